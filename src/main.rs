//! The `nashra` command: a thin shell over the library (see `nashra::cli`).
fn main() -> std::process::ExitCode {
    nashra::cli::main()
}

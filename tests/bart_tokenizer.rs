//! A BART repository without `tokenizer.json` (only `vocab.json` and `merges.txt`, as
//! `BartTokenizer` reads them) tokenises exactly as one with it: same ids, same text back.
//! (`<mask>` is left out: the fixture's tokenizer.json, made by `tokenizers`' trainer, does not
//! strip the space before it as BART's does.)

mod common;

use nashra::translate::tokenizer::bpe::BpeTokenizer;

#[test]
fn vocab_and_merges_give_the_ids_and_text_of_tokenizer_json() {
    let dir = common::model_dir("bart-tiny");
    let config = dir.join("tokenizer_config.json");
    let (vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
    let json = dir.join("tokenizer.json");
    let from_json =
        BpeTokenizer::from_files(Some(json.as_path()), &vocab, &merges, Some(&config)).unwrap();
    let from_files = BpeTokenizer::from_files(None, &vocab, &merges, Some(&config)).unwrap();
    let docs = std::fs::read_to_string(common::fixture("bart/docs.en")).unwrap();
    let extra = [
        "",
        "  two  spaces, then tabs\t\tand a newline\n",
        "Numbers: 1,500 and 2.5% — “quotes”.",
    ];
    for doc in docs.lines().chain(extra) {
        let ids = from_json.encode(doc, 1024);
        assert_eq!(ids, from_files.encode(doc, 1024), "{doc}");
        assert_eq!(from_json.decode(&ids), from_files.decode(&ids), "{doc}");
    }
}

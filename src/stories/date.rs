//! A calendar day, parsed once from an article's ISO date.

/// A calendar day (proleptic Gregorian), held as its day number so that the distance between
/// two dates is a subtraction. Parsed once from an article's `yyyy-mm-dd` date; the article
/// keeps its date string for display and ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// The day of an ISO `yyyy-mm-dd` date; `None` for anything else (a timestamp's trailing
    /// time included, a month outside 1–12, a day outside 1–31). Lenient about the day of the
    /// month (`02-30` is 2 March), as reports of one event only need distances in days.
    pub fn parse(iso: &str) -> Option<Date> {
        let mut parts = iso.splitn(3, '-').map(|p| p.parse::<i64>().ok());
        let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        Some(Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn day_number(self) -> i64 {
        self.days
    }

    /// Whole days between the two dates, whichever comes first.
    pub fn days_apart(self, other: Date) -> i64 {
        (self.days - other.days).abs()
    }
}

/// Howard Hinnant's `days_from_civil`: one formula does not justify a date crate.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        Date::parse(s).unwrap().day_number()
    }

    #[test]
    fn dates_become_day_numbers() {
        assert_eq!(day("1970-01-01"), 0);
        assert_eq!(day("2025-03-01") - day("2025-02-28"), 1);
        assert_eq!(day("2024-03-01") - day("2024-02-28"), 2);
        let (a, b) = (Date::parse("2025-02-13"), Date::parse("2025-03-15"));
        assert_eq!(a.unwrap().days_apart(b.unwrap()), 30);
        assert_eq!(Date::parse("2025-13-01"), None);
        assert_eq!(Date::parse("soon"), None);
        assert_eq!(Date::parse("2025-02-13T10:00:00Z"), None);
    }
}

//! GS1 dates (GenSpecs §7.12): `YYMMDD` with the century rule, and day `00` meaning the
//! last day of the month (for the AIs whose format allows it: 11, 13, 15, 16, 17 …).
//!
//! The century depends on the year the date is read in, so reading takes that year;
//! [`current_year`] reads it from the system clock (UTC) without any dependency.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date read from a GS1 element (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, if it exists in the calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        (1..=12).contains(&month).then_some(())?;
        (day >= 1 && day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1-12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1-31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Reads an ISO 8601 calendar date, `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let year = s.get(..4)?.parse().ok()?;
        let month = s.get(5..7)?.parse().ok()?;
        let day = s.get(8..)?.parse().ok()?;
        let all_digits = [s.get(..4)?, s.get(5..7)?, s.get(8..)?]
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_digit()));
        all_digits.then_some(())?;
        Date::new(year, month, day)
    }

    /// The date `days` after 1970-01-01 (before it when negative); `None` outside
    /// the years 0 to 9999.
    pub fn from_unix_days(days: i64) -> Option<Date> {
        // 0000-03-01 and 9999-12-31, so the conversion's year never leaves 0..=9999.
        (-719_468..=2_932_896)
            .contains(&days)
            .then(|| civil_from_days(days))
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        civil_from_days(days)
    }

    /// Reads GS1 `YYMMDD` in `this_year`'s frame: the century rule picks the century,
    /// and with `day_zero`, day `00` is the last day of the month.
    pub(crate) fn from_yymmdd(s: &str, this_year: u16, day_zero: bool) -> Result<Date, String> {
        let field = |r: std::ops::Range<usize>| -> Result<u8, String> {
            s.get(r)
                .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("{s:?} is not a YYMMDD date"))
        };
        if s.len() != 6 {
            return Err(format!("{s:?} is not a YYMMDD date"));
        }
        let (yy, month, day) = (field(0..2)?, field(2..4)?, field(4..6)?);
        let year = century_rule(yy, this_year);
        if !(1..=12).contains(&month) {
            return Err(format!("{s:?}: month {month:02} does not exist"));
        }
        let day = match day {
            0 if day_zero => days_in_month(year, month),
            0 => return Err(format!("{s:?}: day 00 is not allowed in this date")),
            d => d,
        };
        Date::new(year, month, day)
            .ok_or_else(|| format!("{s:?}: {year}-{month:02} has no day {day:02}"))
    }
}

impl fmt::Display for Date {
    /// ISO 8601, `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The current year (UTC), for the century rule.
pub fn current_year() -> u16 {
    Date::today_utc().year
}

/// GenSpecs §7.12: with the difference between the two-digit year and this year's last
/// two digits, 51 to 99 means the previous century, -99 to -50 the next one, anything
/// else this century.
pub(crate) fn century_rule(yy: u8, this_year: u16) -> u16 {
    let century = this_year / 100 * 100;
    let diff = i32::from(yy) - i32::from(this_year % 100);
    let year = if (51..=99).contains(&diff) {
        i32::from(century) - 100 + i32::from(yy)
    } else if (-99..=-50).contains(&diff) {
        i32::from(century) + 100 + i32::from(yy)
    } else {
        i32::from(century) + i32::from(yy)
    };
    u16::try_from(year).unwrap_or(0)
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 to a date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date {
        year: u16::try_from(year).unwrap_or(0),
        month: u8::try_from(month).unwrap_or(1),
        day: u8::try_from(day).unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GenSpecs §7.12, the worked examples of the century rule (read in 2026).
    #[test]
    fn the_century_rule() {
        assert_eq!(century_rule(26, 2026), 2026);
        assert_eq!(century_rule(76, 2026), 2076); // diff 50: this century
        assert_eq!(century_rule(77, 2026), 1977); // diff 51: previous
        assert_eq!(century_rule(99, 2026), 1999);
        assert_eq!(century_rule(0, 2026), 2000);
        // Late in a century, small years are the next one.
        assert_eq!(century_rule(10, 2080), 2110); // diff -70
        assert_eq!(century_rule(30, 2080), 2130); // diff -50
        assert_eq!(century_rule(31, 2080), 2031); // diff -49
    }

    #[test]
    fn day_zero_is_the_last_day_of_the_month() {
        let d = |s, zero| Date::from_yymmdd(s, 2026, zero).map(|d| d.to_string());
        assert_eq!(d("270100", true), Ok("2027-01-31".to_owned()));
        assert_eq!(d("280200", true), Ok("2028-02-29".to_owned())); // leap year
        assert_eq!(d("270200", true), Ok("2027-02-28".to_owned()));
        assert_eq!(d("270400", true), Ok("2027-04-30".to_owned()));
        assert!(d("270100", false).is_err());
        assert!(d("271301", true).is_err());
        assert!(d("270230", true).is_err());
        assert!(d("000000", true).is_err());
        assert!(d("27010", true).is_err());
        assert!(d("27O101", true).is_err());
    }

    #[test]
    fn iso_dates_and_the_clock() {
        assert_eq!(Date::parse_iso("2027-01-31"), Date::new(2027, 1, 31));
        assert_eq!(Date::parse_iso("2027-02-29"), None);
        assert_eq!(Date::parse_iso("2027-1-31"), None);
        assert_eq!(Date::parse_iso("+027-01-31"), None);
        assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(20_819).to_string(), "2027-01-01");
        assert_eq!(
            Date::from_unix_days(-1).map(|d| d.to_string()).as_deref(),
            Some("1969-12-31")
        );
        assert_eq!(
            Date::from_unix_days(2_932_896)
                .map(|d| d.to_string())
                .as_deref(),
            Some("9999-12-31")
        );
        assert_eq!(Date::from_unix_days(2_932_897), None);
        assert!(current_year() >= 2024);
    }
}

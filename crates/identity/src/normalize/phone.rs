//! A lean phone key: enough to tell that two written forms are the same number, not validation.
//!
//! libphonenumber's metadata costs about 530 KB gzipped in wasm; this module uses a table of about
//! fifty regions with their calling code, trunk prefix, international prefix and national number
//! length (from the ITU-T E.164 assignments and national numbering plans). It does not check that a
//! number exists or is assigned, does not know area-code lengths, and does not format numbers.

use std::fmt;

/// One region's dialling facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub code: &'static str,
    /// Country calling code (`34` for Spain).
    pub calling_code: u16,
    /// Trunk prefixes dialled before a national number (`0` in most regions, `8` in Russia); empty
    /// when the leading digit is part of the number (Spain, Italy).
    pub trunk: &'static [&'static str],
    /// Prefix for dialling abroad besides `+` (`00` in most regions, `011` in North America).
    pub international: &'static str,
    /// Shortest and longest national significant number (without trunk prefix).
    pub national_len: (u8, u8),
}

macro_rules! regions {
    ($($code:literal $cc:literal [$($trunk:literal),*] $intl:literal $min:literal $max:literal;)*) => {
        /// The built-in regions, sorted by code.
        pub static REGIONS: &[Region] = &[$(Region {
            code: $code, calling_code: $cc, trunk: &[$($trunk),*], international: $intl,
            national_len: ($min, $max),
        },)*];
    };
}

regions! {
    "AE" 971 ["0"] "00" 8 9;
    "AM" 374 ["0"] "00" 8 8;
    "AR" 54 ["0"] "00" 10 11;
    "AT" 43 ["0"] "00" 4 13;
    "AU" 61 ["0"] "0011" 9 9;
    "AZ" 994 ["0"] "00" 9 9;
    "BE" 32 ["0"] "00" 8 9;
    "BR" 55 ["0"] "00" 10 11;
    "BY" 375 ["80", "8"] "00" 9 9;
    "CA" 1 ["1"] "011" 10 10;
    "CH" 41 ["0"] "00" 9 9;
    "CL" 56 [] "00" 9 9;
    "CN" 86 ["0"] "00" 10 11;
    "CO" 57 [] "00" 10 10;
    "CZ" 420 [] "00" 9 9;
    "DE" 49 ["0"] "00" 6 13;
    "DK" 45 [] "00" 8 8;
    "EG" 20 ["0"] "00" 9 10;
    "ES" 34 [] "00" 9 9;
    "FI" 358 ["0"] "00" 5 12;
    "FR" 33 ["0"] "00" 9 9;
    "GB" 44 ["0"] "00" 9 10;
    "GE" 995 ["0"] "00" 9 9;
    "GR" 30 [] "00" 10 10;
    "HU" 36 ["06"] "00" 8 9;
    "ID" 62 ["0"] "00" 9 12;
    "IE" 353 ["0"] "00" 7 9;
    "IL" 972 ["0"] "00" 8 9;
    "IN" 91 ["0"] "00" 10 10;
    "IR" 98 ["0"] "00" 10 10;
    "IT" 39 [] "00" 6 11;
    "JP" 81 ["0"] "010" 9 10;
    "KG" 996 ["0"] "00" 9 9;
    "KR" 82 ["0"] "001" 8 10;
    "KZ" 7 ["8"] "00" 10 10;
    "MD" 373 ["0"] "00" 8 8;
    "MX" 52 ["044", "045", "01"] "00" 10 10;
    "MY" 60 ["0"] "00" 9 10;
    "NG" 234 ["0"] "00" 8 10;
    "NL" 31 ["0"] "00" 9 9;
    "NO" 47 [] "00" 8 8;
    "NZ" 64 ["0"] "00" 8 10;
    "PE" 51 [] "00" 8 9;
    "PH" 63 ["0"] "00" 10 10;
    "PL" 48 [] "00" 9 9;
    "PT" 351 [] "00" 9 9;
    "RO" 40 ["0"] "00" 9 9;
    "RS" 381 ["0"] "00" 8 9;
    "RU" 7 ["8"] "00" 10 10;
    "SA" 966 ["0"] "00" 9 9;
    "SE" 46 ["0"] "00" 7 9;
    "TH" 66 ["0"] "00" 8 9;
    "TJ" 992 [] "00" 9 9;
    "TR" 90 ["0"] "00" 10 10;
    "UA" 380 ["0"] "00" 9 9;
    "US" 1 ["1"] "011" 10 10;
    "UZ" 998 ["8"] "00" 9 9;
    "VN" 84 ["0"] "00" 9 10;
    "ZA" 27 ["0"] "00" 9 9;
}

impl Region {
    /// Looks a region up by its ISO code, case-insensitively (`"es"`, `"GB"`); `UK` means `GB`.
    pub fn from_code(code: &str) -> Option<Region> {
        Region::find(code).copied()
    }

    /// [`Region::from_code`] as a reference into [`REGIONS`], for records that keep it.
    pub(crate) fn find(code: &str) -> Option<&'static Region> {
        let code = code.trim();
        let code = if code.eq_ignore_ascii_case("UK") {
            "GB"
        } else {
            code
        };
        REGIONS.iter().find(|r| r.code.eq_ignore_ascii_case(code))
    }
}

/// A phone number reduced to digits: the international form (`34612345678`) when the country is
/// known, else the national digits.
///
/// Two keys are the same number when equal; [`PhoneKey::suffix`] (the last eight digits) lets a
/// national number without a known region meet its international form as weaker evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneKey {
    digits: u64,
    international: bool,
}

/// Fewer digits than this is not a phone number worth matching on.
const MIN_DIGITS: usize = 6;

impl PhoneKey {
    /// A placeholder for unused slots of fixed arrays; never a number anyone wrote.
    pub(crate) const UNUSED: PhoneKey = PhoneKey {
        digits: 0,
        international: false,
    };

    /// Reads a phone number as written in a CRM, resolving national numbers with `region`.
    ///
    /// Formatting (spaces, dots, dashes, parentheses) is ignored; an extension (`x12`, `ext. 12`,
    /// `;ext=12`) is cut off. `+` and the region's international prefix (`00`, or `011` for North
    /// America) start an international number; a UK/German style `(0)` after the country code is
    /// dropped. Otherwise the region's trunk prefix (`0`, `8`...) is removed and its calling code
    /// prepended. Returns `None` when fewer than six digits remain.
    ///
    /// ```
    /// use telegram_identity::normalize::{PhoneKey, Region};
    /// let es = Region::from_code("ES");
    /// let gb = Region::from_code("GB");
    /// let key = PhoneKey::parse("+34 612 345 678", None).unwrap();
    /// assert_eq!(PhoneKey::parse("612 34 56 78", es), Some(key));
    /// assert_eq!(PhoneKey::parse("0034-612-345-678", gb), Some(key));
    /// assert_eq!(key.to_string(), "+34612345678");
    /// ```
    pub fn parse(input: &str, region: Option<Region>) -> Option<PhoneKey> {
        let (plus, digits) = scan(input)?;
        if plus {
            return international(&digits);
        }
        let Some(region) = region else {
            if let Some(rest) = digits.strip_prefix("00") {
                return international(rest);
            }
            let national = digits.trim_start_matches('0');
            return number(national, false);
        };
        if let Some(rest) = digits.strip_prefix(region.international) {
            return international(rest);
        }
        if region.international != "00"
            && region.calling_code != 1
            && let Some(rest) = digits.strip_prefix("00")
        {
            return international(rest);
        }
        // A spreadsheet or a careless import dropped the `+`: digits that begin with the calling
        // code and are too long to be national.
        let cc = region.calling_code.to_string();
        if digits.len() > usize::from(region.national_len.1) + trunk_len(region, &digits)
            && digits.starts_with(&cc)
        {
            return international(&digits);
        }
        let mut national = digits.as_str();
        for trunk in region.trunk {
            if let Some(rest) = national.strip_prefix(trunk)
                && rest.len() >= usize::from(region.national_len.0)
            {
                national = rest;
                break;
            }
        }
        international(&format!("{cc}{national}"))
    }

    /// Reads a phone number from a Telegram person's record: international digits with or without
    /// `+` (what the Bot API and Telegram Desktop give), or a national form typed by hand into a
    /// shared contact or a spreadsheet, which takes `region`.
    ///
    /// A number is read as national only when it cannot be international: it starts with `0` (no
    /// calling code does), or no region of the table reads it as a number of its length while
    /// `region`'s plan does (`612 345 678` in Spain is not an Australian `+61`, which needs nine
    /// digits after the code). Without `region`, such a number keeps its national digits (not
    /// international), which still meet the international form through [`PhoneKey::suffix`].
    ///
    /// ```
    /// use telegram_identity::normalize::{PhoneKey, Region};
    /// let au = Region::from_code("AU");
    /// let key = PhoneKey::parse("+61 409 239 102", None);
    /// assert_eq!(PhoneKey::parse_telegram("61409239102", au), key);
    /// assert_eq!(PhoneKey::parse_telegram("0409 239 102", au), key);
    /// assert!(!PhoneKey::parse_telegram("0409 239 102", None).unwrap().is_international());
    /// ```
    pub fn parse_telegram(input: &str, region: Option<Region>) -> Option<PhoneKey> {
        let (plus, digits) = scan(input)?;
        if plus {
            return international(&digits);
        }
        if let Some(rest) = digits.strip_prefix("00") {
            return international(rest);
        }
        let national = digits.starts_with('0')
            || (region.is_some_and(|r| national_fits(r, &digits)) && !international_fits(&digits));
        match region {
            Some(region) if national => PhoneKey::parse(&digits, Some(region)),
            None if national && digits.starts_with('0') => PhoneKey::parse(&digits, None),
            _ => international(&digits),
        }
    }

    /// The digits of a Telegram phone that [`PhoneKey::parse_telegram`] may read differently with
    /// a region than without (no `+` or `00` in front), packed as (value, count) so that leading
    /// zeros survive; `None` for every other input. [`PhoneKey::parse_telegram_digits`] reads
    /// them back.
    pub(crate) fn telegram_written(input: &str) -> Option<(u64, u8)> {
        let (plus, digits) = scan(input)?;
        if plus || digits.starts_with("00") || digits.len() > 19 {
            return None;
        }
        Some((digits.parse().ok()?, digits.len() as u8))
    }

    /// [`PhoneKey::parse_telegram`] of digits packed by [`PhoneKey::telegram_written`].
    pub(crate) fn parse_telegram_digits(
        (value, count): (u64, u8),
        region: Option<Region>,
    ) -> Option<PhoneKey> {
        let digits = format!("{value:0width$}", width = usize::from(count));
        PhoneKey::parse_telegram(&digits, region)
    }

    /// True when the country calling code is part of the key.
    pub fn is_international(self) -> bool {
        self.international
    }

    /// The last eight digits, for matching a national number against an international one.
    pub fn suffix(self) -> u64 {
        self.digits % 100_000_000
    }

    /// The key's digits as a number.
    pub fn digits(self) -> u64 {
        self.digits
    }
}

/// Whether `digits`, which do not start with `0`, are a national number of `region` as written
/// at home: a national significant number of the plan's length, after a trunk prefix that is not
/// `0` (`8` in Russia, `1` in North America) or without one. (In regions whose trunk prefix is `0`
/// a national form starts with it, which no international number does.)
fn national_fits(region: Region, digits: &str) -> bool {
    if region.trunk.iter().any(|t| t.starts_with('0')) {
        return false;
    }
    let (min, max) = region.national_len;
    let fits = |n: &str| (usize::from(min)..=usize::from(max)).contains(&n.len());
    fits(digits)
        || region
            .trunk
            .iter()
            .any(|t| digits.strip_prefix(t).is_some_and(fits))
}

/// Whether some region of the table reads `digits` as its calling code and a national number of
/// its plan's length.
fn international_fits(digits: &str) -> bool {
    REGIONS.iter().any(|r| {
        let (min, max) = r.national_len;
        digits
            .strip_prefix(r.calling_code.to_string().as_str())
            .is_some_and(|n| (usize::from(min)..=usize::from(max)).contains(&n.len()))
    })
}

fn trunk_len(region: Region, digits: &str) -> usize {
    region
        .trunk
        .iter()
        .find(|t| digits.starts_with(*t))
        .map_or(0, |t| t.len())
}

/// Returns whether the number starts with `+`, and its digits (extension cut off, `(0)` after an
/// international prefix removed). `None` when there are too few digits.
fn scan(input: &str) -> Option<(bool, String)> {
    let text = input.trim_start_matches(|c: char| c.is_whitespace() || c == '\'');
    let plus = text.starts_with(['+', '＋']);
    let mut digits = String::with_capacity(16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if plus && !digits.is_empty() && rest.starts_with("(0)") {
            rest = &rest[3..];
            continue;
        }
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            digits.push(char::from(b'0' + d as u8));
        } else if c.is_alphabetic() || matches!(c, ';' | ',' | '#') {
            break; // extension or trailing words
        } else if let Some(d) = fullwidth_digit(c) {
            digits.push(d);
        }
        rest = &rest[c.len_utf8()..];
    }
    (digits.len() >= MIN_DIGITS).then_some((plus, digits))
}

fn fullwidth_digit(c: char) -> Option<char> {
    matches!(c, '０'..='９').then(|| char::from(b'0' + (u32::from(c) - u32::from('０')) as u8))
}

/// Builds an international key, fixing two regional habits: Mexico's old mobile `1` after `52`
/// and Argentina's mobile `9` after `54` are dropped, so both spellings meet.
fn international(digits: &str) -> Option<PhoneKey> {
    let digits = digits.trim_start_matches('0');
    let fixed;
    let digits = if let Some(rest) = digits.strip_prefix("521").filter(|r| r.len() == 10) {
        fixed = format!("52{rest}");
        &fixed
    } else if let Some(rest) = digits.strip_prefix("549").filter(|r| r.len() == 10) {
        fixed = format!("54{rest}");
        &fixed
    } else {
        digits
    };
    number(digits, true)
}

fn number(digits: &str, international: bool) -> Option<PhoneKey> {
    // E.164 numbers have at most 15 digits; longer input is not a phone number.
    if digits.len() < MIN_DIGITS || digits.len() > 15 {
        return None;
    }
    digits.parse().ok().map(|digits| PhoneKey {
        digits,
        international,
    })
}

impl fmt::Display for PhoneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.international {
            write!(f, "+{}", self.digits)
        } else {
            write!(f, "{}", self.digits)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, region: &str, expected: Option<&str>) {
        let got = PhoneKey::parse(input, Region::from_code(region)).map(|k| k.to_string());
        assert_eq!(
            got.as_deref(),
            expected,
            "input: {input:?} region: {region:?}"
        );
    }

    #[test]
    fn resolves_regional_forms() {
        check("+34 612 345 678", "", Some("+34612345678"));
        check("+34 612 345 678", "ES", Some("+34612345678"));
        check("612 34 56 78", "ES", Some("+34612345678"));
        check("612-345-678", "ES", Some("+34612345678"));
        check("0034 612 345 678", "ES", Some("+34612345678"));
        check("34612345678", "ES", Some("+34612345678"));
        check("'+34 612 345 678", "", Some("+34612345678"));
        check("07700 900123", "GB", Some("+447700900123"));
        check("+44 (0) 7700 900123", "GB", Some("+447700900123"));
        check("+44 (0)7700-900-123", "", Some("+447700900123"));
        check("0044 7700 900123", "DE", Some("+447700900123"));
        check("(555) 010-1234", "US", Some("+15550101234"));
        check("555.010.1234", "US", Some("+15550101234"));
        check("1-555-010-1234", "US", Some("+15550101234"));
        check("+1 555 010 1234 x22", "US", Some("+15550101234"));
        check("555-010-1234 ext. 22", "CA", Some("+15550101234"));
        check("011 44 7700 900123", "US", Some("+447700900123"));
        check("0151 23456789", "DE", Some("+4915123456789"));
        check("+49 (0)151 23456789", "DE", Some("+4915123456789"));
        check("06 12 34 56 78", "FR", Some("+33612345678"));
        check("06 12 34 56 78", "fr", Some("+33612345678"));
        check("333 123 4567", "IT", Some("+393331234567"));
        check("06 1234 5678", "IT", Some("+390612345678"));
        check("8 (912) 345-67-89", "RU", Some("+79123456789"));
        check("+7 912 345-67-89", "RU", Some("+79123456789"));
        check("89123456789", "RU", Some("+79123456789"));
        check("067 123 4567", "UA", Some("+380671234567"));
        check("+380 67 123 4567", "", Some("+380671234567"));
        check("(11) 91234-5678", "BR", Some("+5511912345678"));
        check("0 11 91234-5678", "BR", Some("+5511912345678"));
        check("55 1234 5678", "MX", Some("+525512345678"));
        check("+52 1 55 1234 5678", "", Some("+525512345678"));
        check("044 55 1234 5678", "MX", Some("+525512345678"));
        check("+54 9 11 1234-5678", "", Some("+541112345678"));
        check("011 1234-5678", "AR", Some("+541112345678"));
        check("098765 43210", "IN", Some("+919876543210"));
        check("+91 98765 43210", "IN", Some("+919876543210"));
        check("07700 900123", "UK", Some("+447700900123"));
        check("＋３４ ６１２ ３４５ ６７８", "", Some("+34612345678"));
    }

    #[test]
    fn without_region_keeps_national_digits() {
        check("0612 345 678", "", Some("612345678"));
        check("00 34 612 345 678", "", Some("+34612345678"));
        check("612345678", "ZZ", Some("612345678"));
    }

    #[test]
    fn rejects_non_numbers() {
        check("", "ES", None);
        check("none", "ES", None);
        check("12345", "ES", None);
        check("+1 234", "", None);
        check("call me", "", None);
        check("1234567890123456789", "", None);
        check("+", "", None);
    }

    #[test]
    fn telegram_phones_are_international() {
        let check_tg = |input: &str, expected: Option<&str>| {
            let got = PhoneKey::parse_telegram(input, None).map(|k| k.to_string());
            assert_eq!(got.as_deref(), expected, "input: {input:?}");
        };
        check_tg("34612345678", Some("+34612345678"));
        check_tg("+34612345678", Some("+34612345678"));
        check_tg("+34 612 345 678", Some("+34612345678"));
        check_tg("447700900123", Some("+447700900123"));
        check_tg("", None);
    }

    /// A plausible national significant number per region (a mobile where the plan has one),
    /// of the plan's longest length.
    fn sample_national(r: Region) -> String {
        let lead = match r.code {
            "ES" | "FR" | "CZ" => "6",
            "IT" => "3",
            "US" | "CA" => "2",
            "DK" | "NO" => "4",
            "PL" | "PT" | "CL" | "PE" | "TJ" | "UZ" | "RU" | "KZ" | "GR" => "9",
            "CO" => "3",
            _ => "9",
        };
        // Italian mobiles have ten digits (eleven would also read as a Dutch +31 number).
        let len = if r.code == "IT" { 10 } else { r.national_len.1 };
        let mut digits = lead.to_string();
        let mut next = 1;
        while digits.len() < usize::from(len) {
            digits.push(char::from(b'0' + next % 10));
            next += 3;
        }
        digits
    }

    #[test]
    fn telegram_national_forms_take_the_default_region_in_every_region() {
        for r in REGIONS {
            let nsn = sample_national(*r);
            let expected = PhoneKey::parse(&format!("+{}{nsn}", r.calling_code), None);
            assert!(expected.is_some(), "{}", r.code);
            let mut forms = vec![
                format!("{}{nsn}", r.calling_code),
                format!("+{} {nsn}", r.calling_code),
                format!("00{}{nsn}", r.calling_code),
            ];
            match r.trunk.first() {
                // A trunk prefix that no calling code starts with, or none at all: the national
                // form is recognised.
                Some(t) => forms.push(format!("{t} {nsn}")),
                None => forms.push(nsn.clone()),
            }
            if r.calling_code == 1 {
                forms.push(nsn.clone());
            }
            for form in &forms {
                assert_eq!(
                    PhoneKey::parse_telegram(form, Some(*r)),
                    expected,
                    "{}: {form:?}",
                    r.code
                );
            }
        }
    }

    #[test]
    fn telegram_phones_stay_international_when_they_can_be() {
        let check = |input: &str, region: &str, expected: &str| {
            let got =
                PhoneKey::parse_telegram(input, Region::from_code(region)).map(|k| k.to_string());
            assert_eq!(got.as_deref(), Some(expected), "{input:?} in {region}");
        };
        // International digits are read as such whatever the default region.
        check("34612345678", "GB", "+34612345678");
        check("447700900123", "ES", "+447700900123");
        check("79123456789", "ES", "+79123456789");
        check("61409239102", "ES", "+61409239102");
        // National forms: a leading 0, or a number only the region's plan reads.
        check("0409 239 102", "AU", "+61409239102");
        check("07700 900123", "GB", "+447700900123");
        check("612 345 678", "ES", "+34612345678");
        check("8 912 345 67 89", "RU", "+79123456789");
        check("(555) 010-1234", "US", "+15550101234");
        // Without a region, a national form keeps its national digits (met by the suffix).
        let national = PhoneKey::parse_telegram("0409 239 102", None).unwrap();
        assert!(!national.is_international());
        assert_eq!(
            national.suffix(),
            PhoneKey::parse("+61409239102", None).unwrap().suffix()
        );
        // Packed digits read back the same, leading zeros included.
        let packed = PhoneKey::telegram_written("0409 239 102").unwrap();
        assert_eq!(
            PhoneKey::parse_telegram_digits(packed, Region::from_code("AU")),
            PhoneKey::parse("+61409239102", None)
        );
        assert_eq!(PhoneKey::telegram_written("+61 409 239 102"), None);
        assert_eq!(PhoneKey::telegram_written("0061 409 239 102"), None);
    }

    #[test]
    fn suffix_meets_national_and_international() {
        let national = PhoneKey::parse("0612 345 678", None).unwrap();
        let intl = PhoneKey::parse("+34 612 345 678", None).unwrap();
        assert_ne!(national, intl);
        assert_eq!(national.suffix(), intl.suffix());
        assert!(!national.is_international() && intl.is_international());
    }

    #[test]
    fn regions_are_sorted_and_unique() {
        assert!(REGIONS.windows(2).all(|w| w[0].code < w[1].code));
        for r in REGIONS {
            assert_eq!(Region::from_code(&r.code.to_ascii_lowercase()), Some(*r));
            assert!(r.national_len.0 <= r.national_len.1, "{}", r.code);
        }
    }
}

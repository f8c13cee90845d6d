//! Kubernetes resource quantities (`64Mi`, `14417236Ki`, `250m`, `1.5G`), parsed only as far as
//! explanations need: comparing sizes and printing them readably.

/// The value of a quantity in base units (bytes for memory/storage, cores for CPU).
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        _ => {
            // Exponent form: 1e3
            let (mantissa, exponent) = text.split_once(['e', 'E'])?;
            return Some(mantissa.parse::<f64>().ok()? * 10f64.powi(exponent.parse().ok()?));
        }
    };
    Some(value * factor)
}

/// Bytes in binary units with one decimal where it matters: `13.7Gi`, `64Mi`, `512Ki`.
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["Ki", "Mi", "Gi", "Ti", "Pi"];
    if bytes < 1024.0 {
        return format!("{bytes:.0}");
    }
    let mut value = bytes;
    let mut unit = "";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}{unit}")
    } else {
        format!("{value:.1}{unit}")
    }
}

/// A memory/storage quantity re-printed readably (`14417236Ki` → `13.7Gi`); unparsable text
/// is returned as it was.
pub fn readable_bytes(text: &str) -> String {
    parse(text).map_or_else(|| text.to_string(), format_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suffixes() {
        assert_eq!(parse("64Mi"), Some(64.0 * 1024.0 * 1024.0));
        assert_eq!(parse("250m"), Some(0.25));
        assert_eq!(parse("1G"), Some(1e9));
        assert_eq!(parse("0"), Some(0.0));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("12Qi"), None);
    }

    #[test]
    fn formats_binary_units() {
        assert_eq!(readable_bytes("14417236Ki"), "13.7Gi");
        assert_eq!(readable_bytes("64Mi"), "64Mi");
        assert_eq!(readable_bytes("10304Ki"), "10.1Mi");
        assert_eq!(readable_bytes("0"), "0");
        assert_eq!(readable_bytes("weird"), "weird");
    }
}

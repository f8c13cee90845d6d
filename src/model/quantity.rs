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
        // metrics-server reports CPU in nanocores (`12345678n`) and sometimes microcores.
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
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

/// CPU cores readably: `250m` below one core, `1.5` above.
pub fn format_cores(cores: f64) -> String {
    if cores == 0.0 {
        "0".to_string()
    } else if cores < 1.0 {
        format!("{:.0}m", cores * 1000.0)
    } else if (cores - cores.round()).abs() < 0.005 {
        format!("{cores:.0}")
    } else {
        format!("{cores:.2}").trim_end_matches('0').to_string()
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
    fn parses_what_metrics_server_reports() {
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        assert!(close(parse("12345678n"), 0.012_345_678));
        assert!(close(parse("1500u"), 0.0015));
        assert!(close(parse("250m"), 0.25));
        assert_eq!(parse("131072Ki"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(parse("64Mi"), Some(64.0 * 1024.0 * 1024.0));
        assert_eq!(parse("2Gi"), Some(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse("134217728"), Some(134_217_728.0));
    }

    #[test]
    fn formats_cores() {
        assert_eq!(format_cores(0.012_345), "12m");
        assert_eq!(format_cores(0.25), "250m");
        assert_eq!(format_cores(2.0), "2");
        assert_eq!(format_cores(0.0), "0");
        assert_eq!(format_cores(1.5), "1.5");
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

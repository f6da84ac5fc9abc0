//! Language identification with whatlang, restricted to an allowlist of
//! languages plausible in the corpus, on a bounded prefix of the text.

use whatlang::{Detector, Lang};

use crate::error::{ConfigProblem, NormalizeError};

/// ISO 639-1 codes the stage can be told to detect, with whatlang's
/// language.
const CODES: &[(&str, Lang)] = &[
    ("en", Lang::Eng),
    ("ru", Lang::Rus),
    ("uk", Lang::Ukr),
    ("be", Lang::Bel),
    ("de", Lang::Deu),
    ("fr", Lang::Fra),
    ("es", Lang::Spa),
    ("it", Lang::Ita),
    ("pt", Lang::Por),
    ("nl", Lang::Nld),
    ("pl", Lang::Pol),
    ("tr", Lang::Tur),
    ("ar", Lang::Ara),
    ("fa", Lang::Pes),
    ("he", Lang::Heb),
    ("hi", Lang::Hin),
    ("vi", Lang::Vie),
    ("ja", Lang::Jpn),
    ("zh", Lang::Cmn),
    ("ko", Lang::Kor),
];

/// The code written for empty or too short texts.
pub const UNDETERMINED: &str = "und";

/// A configured language detector; cheap to share between threads.
#[derive(Debug)]
pub struct LanguageDetector {
    detector: Detector,
    sample_chars: usize,
    min_letters: usize,
}

impl LanguageDetector {
    /// A detector for `codes` (ISO 639-1) that looks at the first
    /// `sample_chars` characters and answers `und` below `min_letters`
    /// letters.
    pub fn new(
        codes: &[String],
        sample_chars: usize,
        min_letters: usize,
    ) -> Result<Self, NormalizeError> {
        let langs = codes
            .iter()
            .map(|code| {
                CODES
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
                    .map(|&(_, lang)| lang)
                    .ok_or_else(|| NormalizeError::Config {
                        field: "languages",
                        problem: ConfigProblem::UnknownLanguage(code.clone()),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if langs.is_empty() {
            return Err(NormalizeError::Config {
                field: "languages",
                problem: ConfigProblem::Zero,
            });
        }
        Ok(LanguageDetector {
            detector: Detector::with_allowlist(langs),
            sample_chars,
            min_letters,
        })
    }

    /// ISO 639-1 code and confidence (0 to 1) of `text`.
    pub fn detect(&self, text: &str) -> (&'static str, f32) {
        let end = text
            .char_indices()
            .nth(self.sample_chars)
            .map_or(text.len(), |(i, _)| i);
        let sample = &text[..end];
        let letters = sample
            .chars()
            .filter(|c| c.is_alphabetic())
            .take(self.min_letters)
            .count();
        if letters < self.min_letters {
            return (UNDETERMINED, 0.0);
        }
        match self.detector.detect(sample) {
            Some(info) => {
                let code = CODES
                    .iter()
                    .find(|(_, lang)| *lang == info.lang())
                    .map_or(UNDETERMINED, |&(c, _)| c);
                (code, info.confidence() as f32)
            }
            None => (UNDETERMINED, 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> LanguageDetector {
        let codes: Vec<String> = ["en", "ru", "uk", "de", "fr", "es", "ja", "zh"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        LanguageDetector::new(&codes, 2000, 20).unwrap()
    }

    #[test]
    fn table() {
        let d = detector();
        let cases = [
            (
                "Moscow and Tokyo have agreed to begin a dialogue on the new security architecture in the region.",
                "en",
            ),
            (
                "Москва и Токио договорились начать диалог о новой архитектуре безопасности в регионе.",
                "ru",
            ),
            (
                "Die Außenminister Russlands und Japans haben sich in Tokio getroffen und über Sicherheit gesprochen.",
                "de",
            ),
            (
                "外務大臣は東京でロシアの外務大臣と会談し、地域の安全保障について話し合った。",
                "ja",
            ),
            ("short", "und"),
            ("", "und"),
            ("12345 67890 !!! ??? 12345 67890", "und"),
        ];
        for (text, want) in cases {
            assert_eq!(d.detect(text).0, want, "{text}");
        }
        assert!(d.detect(cases[0].0).1 > 0.5);
    }

    #[test]
    fn unknown_codes_are_errors() {
        let err = LanguageDetector::new(&["en".into(), "xx".into()], 100, 10).unwrap_err();
        assert_eq!(
            err.to_string(),
            "normalize config: `languages` unknown language code `xx` (use ISO 639-1, e.g. `en`, `ru`)"
        );
    }
}

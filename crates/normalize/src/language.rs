//! Language identification with whatlang, restricted to an allowlist of
//! languages plausible in the corpus, on a bounded prefix of the text.
//!
//! A long text is first detected on half of the prefix; only when that
//! answer is less than certain (confidence below 1) is the whole prefix
//! detected. News text is almost always certain after a few hundred
//! characters, and whatlang's cost grows with the sample.

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
    /// `sample_chars` characters (the first half of them alone first, see
    /// the [module docs](self)) and answers `und` below `min_letters`
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
        let sample = prefix(text, self.sample_chars);
        if !self.enough_letters(sample) {
            return (UNDETERMINED, 0.0);
        }
        let half = prefix(sample, self.sample_chars / 2);
        if half.len() < sample.len() && self.enough_letters(half) {
            let first = self.detect_sample(half);
            if first.1 >= 1.0 {
                return first;
            }
        }
        self.detect_sample(sample)
    }

    /// Whether `sample` has at least `min_letters` letters.
    fn enough_letters(&self, sample: &str) -> bool {
        sample
            .chars()
            .filter(|c| c.is_alphabetic())
            .take(self.min_letters)
            .count()
            >= self.min_letters
    }

    /// Code and confidence of a sample with enough letters.
    fn detect_sample(&self, sample: &str) -> (&'static str, f32) {
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

/// The first `chars` characters of `text` (all of it when shorter).
fn prefix(text: &str, chars: usize) -> &str {
    let end = text
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
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

    /// The first half of the sample decides only when it is certain:
    /// a Spanish sentence then an Italian one is uncertain on its first
    /// 100 characters (Spanish, 0.82) and Italian on 200.
    #[test]
    fn an_uncertain_half_sample_defers_to_the_whole() {
        let text = "El ministro de Asuntos Exteriores dijo que la reunión fue productiva. \
                    Il ministro degli Esteri ha detto che la riunione è stata produttiva e che \
                    le parti hanno discusso la sicurezza regionale.";
        let d = LanguageDetector::new(&["es".into(), "it".into(), "en".into()], 200, 20).unwrap();
        let half = d.detect_sample(prefix(text, 100));
        assert_eq!(half.0, "es");
        assert!(half.1 < 1.0, "{half:?}");
        assert_eq!(d.detect(text), ("it", 1.0));
        // A certain half is the answer; the whole sample agrees here.
        let english = "The Foreign Minister said the meeting was productive and that the \
                       sides had discussed regional security, the peace treaty and joint \
                       economic activity on the islands.";
        assert_eq!(d.detect(english), d.detect_sample(prefix(english, 200)));
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

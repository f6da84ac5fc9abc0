//! Speakers of transcripts: the person named by a label at the start of the
//! text (`Foreign Minister Sergei Lavrov: ...`, `С.В.Лавров: ...`) or by a
//! title naming a speaker's own text (`Foreign Minister Sergey Lavrov’s
//! statement at ...`, `Remarks by President ...`, `Выступление Министра
//! иностранных дел России С.В.Лаврова ...`).
//!
//! Role and country words (`metadata.toml`, matched with Russian
//! inflection) are stripped; what is left must read as a person's name:
//! one to four capitalized words or initials, none of them an
//! organization word, and not a label such as `Question`.

use newsflow_core::text::{Token, TokenSlice, tokenize};

use crate::refdata::{Vocabulary, phrase_key, role_kind};

/// Longest label before a colon that is considered.
const MAX_LABEL_BYTES: usize = 120;
/// Words after a title's opening kind word searched for the speaker.
const TITLE_WINDOW: usize = 20;
/// Most words in a name.
const MAX_NAME_WORDS: usize = 4;

/// Lower-case words allowed between role words and the name
/// (`Minister of Foreign Affairs of Japan`).
const CONNECTORS: &[&str] = &[
    "of", "the", "for", "and", "to", "on", "in", "by", "with", "from", "at", "и", "по", "при", "от",
];

/// A speaker found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerName {
    /// The name as written, role words stripped.
    pub name: String,
    /// The name has initials (`С.В.Лавров`, `S. Lavrov`).
    pub has_initials: bool,
    /// The surname (last word) as written.
    pub surname: String,
}

/// The speaker label opening `paragraph`, and the byte offset where the
/// spoken text starts.
pub fn from_label(paragraph: &str, vocab: &Vocabulary) -> Option<(SpeakerName, usize)> {
    let colon = paragraph.find(':')?;
    if colon == 0 || colon > MAX_LABEL_BYTES {
        return None;
    }
    let who = &paragraph[..colon];
    let rest = &paragraph[colon + 1..];
    let start = colon + 1 + (rest.len() - rest.trim_start().len());
    let first = rest.trim_start().chars().next()?;
    if !(first.is_uppercase() || first.is_numeric() || "\"“«‘'([".contains(first)) {
        return None;
    }
    let tokens = tokenize(who);
    if tokens.is_empty() || vocab.not_speakers.contains(&phrase_key(who)) {
        return None;
    }
    if vocab.not_speakers.contains(tokens.key(0)) {
        return None;
    }
    let name = name_after_roles(who, tokens.slice(..), vocab, true)?;
    Some((name, start))
}

/// The speaker named by a statement/remarks/speech/interview title.
pub fn from_title(title: &str, vocab: &Vocabulary) -> Option<SpeakerName> {
    let tokens = tokenize(title);
    let kinds = vocab.title_kinds.find(&tokens);
    let kind = kinds.first()?;
    if kind.first_token == 0 {
        // `Remarks by President X at ...`, `Выступление и ответы на вопросы
        // СМИ Министра ... X на ...`: the name follows the first role after
        // the kind, or, without a role, it is the first capitalized words.
        let after = kind.end_token;
        let end = tokens.len().min(after + TITLE_WINDOW);
        let window = tokens.slice(after..end);
        let start = match vocab.roles.find(window).first() {
            Some(role) => after + role.first_token,
            None => after + window.iter().position(|t| t.capitalized)?,
        };
        return name_after_roles(title, tokens.slice(start..end), vocab, false);
    }
    // `... X’s statement at ...`: a possessive right before the kind.
    let poss = kind.first_token.checked_sub(1)?;
    let s = &tokens[poss];
    let before = &title[..s.start_byte()];
    if tokens.key(poss) != "s" || !(before.ends_with('’') || before.ends_with('\'')) {
        return None;
    }
    let roles: Vec<(usize, usize)> = vocab
        .roles
        .find(tokens.slice(..poss))
        .iter()
        .map(|m| (m.first_token, m.end_token))
        .collect();
    let mut first = poss;
    while first > 0 {
        let t = &tokens[first - 1];
        let in_role = roles.iter().any(|&(a, b)| (a..b).contains(&(first - 1)));
        if in_role
            || !t.capitalized
            || poss - first >= MAX_NAME_WORDS
            || (first < poss && !joined(title, t, &tokens[first]))
        {
            break;
        }
        first -= 1;
    }
    let has_role = roles.iter().any(|&(_, b)| b == first);
    name_from_tokens(title, tokens.slice(first..poss), vocab, has_role)
}

/// Skips role and country words (and connectors between them) in
/// `slice` and reads the name that follows. With `whole`, the name
/// must end the range (a label); otherwise it ends at the first
/// non-capitalized word (a title).
fn name_after_roles(
    text: &str,
    slice: TokenSlice<'_>,
    vocab: &Vocabulary,
    whole: bool,
) -> Option<SpeakerName> {
    let roles = vocab.roles.find(slice);
    let mut i = 0;
    let mut has_role = false;
    let mut matches = roles.iter().peekable();
    while i < slice.len() {
        if let Some(m) = matches.peek()
            && m.first_token == i
        {
            has_role |= m.ids.contains(&role_kind::ROLE) || m.ids.contains(&role_kind::COUNTRY);
            i = m.end_token;
            matches.next();
            continue;
        }
        if CONNECTORS.contains(&slice.key(i)) && !slice[i].capitalized {
            i += 1;
            continue;
        }
        break;
    }
    // A label may list roles after the name too rarely to matter; the name
    // runs to the next role word or the end.
    let mut end = i;
    while end < slice.len()
        && slice[end].capitalized
        && end - i < MAX_NAME_WORDS
        && !roles.iter().any(|m| m.first_token == end)
        && (end == i || joined(text, &slice[end - 1], &slice[end]))
    {
        end += 1;
    }
    if whole && end != slice.len() {
        return None;
    }
    name_from_tokens(text, slice.slice(i..end), vocab, has_role)
}

/// Whether two words are parts of one name: only a space, a dot (initials)
/// or a hyphen between them.
fn joined(text: &str, a: &Token, b: &Token) -> bool {
    let gap = &text[a.end_byte()..b.start_byte()];
    gap.len() <= 2
        && gap
            .chars()
            .all(|c| matches!(c, ' ' | '.' | '-' | '\u{2011}'))
}

fn name_from_tokens(
    text: &str,
    name: TokenSlice<'_>,
    vocab: &Vocabulary,
    has_role: bool,
) -> Option<SpeakerName> {
    let (first, last) = (name.first()?, name.last()?);
    let has_initials = name.len() > 1
        && name[..name.len() - 1]
            .iter()
            .any(|t| name.key_of(t).chars().count() == 1);
    let words = name.len();
    if words > MAX_NAME_WORDS
        || !name.iter().all(|t| t.capitalized)
        || name.key_of(last).chars().count() < 2
        || name
            .iter()
            .any(|t| vocab.not_person_words.contains(name.key_of(t)))
        || (!has_role && words < 2)
    {
        return None;
    }
    Some(SpeakerName {
        name: text[first.start_byte()..last.end_byte()].to_string(),
        has_initials,
        surname: text[last.start_byte()..last.end_byte()].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refdata::RefData;

    #[test]
    fn labels() {
        let data = RefData::load(None).unwrap();
        let v = &data.vocabulary;
        let cases = [
            (
                "Foreign Minister Sergei Lavrov: The narrow-format meeting",
                Some(("Sergei Lavrov", "The narrow")),
            ),
            (
                "Sergey Lavrov: Thank you.",
                Some(("Sergey Lavrov", "Thank")),
            ),
            ("С.В.Лавров: Добрый день.", Some(("С.В.Лавров", "Добрый"))),
            (
                "Министр иностранных дел России Сергей Лавров: Уважаемые коллеги",
                Some(("Сергей Лавров", "Уважаемые")),
            ),
            (
                "Russian Foreign Ministry Spokeswoman Maria Zakharova: “We",
                Some(("Maria Zakharova", "“We")),
            ),
            (
                "Foreign Minister of Japan Taro Kono: Thank you",
                Some(("Taro Kono", "Thank")),
            ),
            ("Question: Will the talks resume?", None),
            ("Вопрос: Когда?", None),
            ("Fumio Kishida: with the Bay I have built", None),
            ("Moscow: The talks", None),
            ("He said the following: We agree", None),
            ("The Foreign Ministry: Statement", None),
            ("Note: This is", None),
            ("No colon here", None),
        ];
        for (text, want) in cases {
            let got = from_label(text, v).map(|(n, at)| (n.name, &text[at..]));
            let got = got.as_ref().map(|(n, r)| (n.as_str(), *r));
            let want = want.map(|(n, r)| (n, &text[text.find(r).unwrap()..]));
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn titles() {
        let data = RefData::load(None).unwrap();
        let v = &data.vocabulary;
        let cases = [
            (
                "Foreign Minister Sergey Lavrov’s statement at a joint news conference following Russia-Japan consultations, Tokyo, May 30, 2019",
                Some("Sergey Lavrov"),
            ),
            (
                "Sergey Lavrov's interview with Kommersant",
                Some("Sergey Lavrov"),
            ),
            (
                "Remarks by President Joe Biden at the summit",
                Some("Joe Biden"),
            ),
            (
                "Interview of Foreign Minister Sergey Lavrov to Rossiya Segodnya",
                Some("Sergey Lavrov"),
            ),
            (
                "Выступление Министра иностранных дел России С.В.Лаврова на пресс-конференции",
                Some("С.В.Лаврова"),
            ),
            ("Statement by the Foreign Ministry on the talks", None),
            (
                "Moscow, Tokyo agree to begin dialogue on regional security formation",
                None,
            ),
            ("Russia’s statement on Syria", None),
            (
                "Выступление и ответы на вопросы СМИ Министра иностранных дел России С.В.Лаврова в ходе пресс-конференции",
                Some("С.В.Лаврова"),
            ),
            (
                "Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, May 30, 2019",
                Some("Maria Zakharova"),
            ),
            (
                "Comment by the Information and Press Department on the talks",
                None,
            ),
        ];
        for (title, want) in cases {
            assert_eq!(
                from_title(title, v).map(|n| n.name).as_deref(),
                want,
                "{title}"
            );
        }
        let initials = from_title("Выступление С.В.Лаврова", v).unwrap();
        assert!(initials.has_initials);
        assert_eq!(initials.surname, "Лаврова");
    }
}

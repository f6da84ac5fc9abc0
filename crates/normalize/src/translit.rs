//! Romanization of Russian (Cyrillic) names for the `author` column and for
//! unlisted dateline places.
//!
//! The scheme is BGN/PCGN as simplified by the English-language press (and
//! Wikipedia's names): no diacritics or apostrophes, `е` at the start of a
//! word or after a vowel as `ye`, `ё` as `yo`, and the endings `-ий`/`-ый`
//! as `-y`. So `Василий Головнин` is `Vasily Golovnin`, `Сергей` is
//! `Sergey`, `Евгений` is `Yevgeny`, `Южно-Сахалинск` is
//! `Yuzhno-Sakhalinsk`. The Ukrainian letters `і ї є ґ` get their usual
//! Latin letters too.
//! Characters outside Cyrillic are kept; the case of each word is kept
//! (a capitalized word stays capitalized, an upper-case one upper-case).

/// Latin for one lower-case Cyrillic letter, `None` when not Cyrillic.
fn latin(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        'і' => "i",
        'ї' => "yi",
        'є' => "ye",
        'ґ' => "g",
        _ => return None,
    })
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'ъ' | 'ь' | 'і' | 'ї' | 'є'
    )
}

/// True when `text` contains a Cyrillic letter.
pub fn has_cyrillic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// Romanizes `text` (see the module docs).
pub fn romanize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut word: Vec<char> = Vec::new();
    for c in text.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            romanize_word(&word, &mut out);
            word.clear();
            out.push(c);
        }
    }
    romanize_word(&word, &mut out);
    out
}

fn romanize_word(word: &[char], out: &mut String) {
    if word.is_empty() {
        return;
    }
    let lower: Vec<char> = word
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let all_caps = word.len() > 1 && word.iter().all(|c| !c.is_lowercase());
    let mut piece = String::with_capacity(word.len() * 2);
    let n = lower.len();
    let mut i = 0;
    while i < n {
        let c = lower[i];
        // `-ий` / `-ый` at the end of a word: `y`.
        if i + 2 == n && matches!(c, 'и' | 'ы') && lower[i + 1] == 'й' {
            piece.push('y');
            break;
        }
        match latin(c) {
            Some(_) if c == 'е' && (i == 0 || is_vowel(lower[i - 1])) => piece.push_str("ye"),
            Some(l) => piece.push_str(l),
            None => piece.push(c),
        }
        i += 1;
    }
    if all_caps {
        out.push_str(&piece.to_uppercase());
    } else if word[0].is_uppercase() {
        let mut chars = piece.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    } else {
        out.push_str(&piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            ("Василий Головнин", "Vasily Golovnin"),
            ("Сергей Лавров", "Sergey Lavrov"),
            ("Евгений Щербаков", "Yevgeny Shcherbakov"),
            ("Юрий Ёлкин", "Yury Yolkin"),
            ("Дмитрий Песков", "Dmitry Peskov"),
            ("Мария Захарова", "Mariya Zakharova"),
            ("Южно-Сахалинск", "Yuzhno-Sakhalinsk"),
            ("МОСКВА", "MOSKVA"),
            ("Объединённые", "Obyedinyonnyye"),
            ("Tokyo", "Tokyo"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(romanize(input), want, "input {input:?}");
        }
        assert!(has_cyrillic("Корр. TASS"));
        assert!(!has_cyrillic("Corr. TASS"));
    }
}

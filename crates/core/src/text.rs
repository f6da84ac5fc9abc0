//! Word-exact term matching shared by entity recognition and topic tagging.
//!
//! Text is split into word tokens (runs of Unicode letters and digits, so
//! Cyrillic letters are word characters and hyphens, apostrophes, no-break
//! spaces and punctuation all separate words). Each token gets a folded key:
//! lower case, `ё` as `е`, Latin diacritics dropped. Patterns are tokenized
//! the same way and stored in a token trie, so `two-plus-two`, `two plus two`
//! and `Two Plus Two` are one pattern, and `Putin’s` contains the word
//! `Putin`.
//!
//! Matching is leftmost-longest over tokens, one walk of the trie per start
//! token. Two refinements make it exact about words in every script:
//!
//! * **Russian inflection.** A Cyrillic pattern word also matches its
//!   inflected forms: the text word must be the pattern word, or the pattern
//!   word with its final vowel (or adjective ending) removed, followed by one
//!   of a closed list of case endings. `Лавров` matches `Лаврова` and
//!   `Лавровым`; `Япония` matches `Японии`; `японский` matches `японская`.
//! * **Acronyms.** A pattern word written in capitals (`US`, `UN`, `APR`)
//!   matches only a text word that is capitalized the same way for words of
//!   up to three letters (`US` is not `us`), and one that at least starts
//!   with a capital for longer ones (`ASEAN` also matches `Asean`).
//!
//! A pattern word ending in `*` matches any word that starts with it
//! (`sanction*` matches `sanctions`).
//!
//! ```
//! use newsflow_core::text::{TermMatcher, tokenize};
//!
//! let mut builder = TermMatcher::builder();
//! builder.add("Sergey Lavrov", 0).unwrap();
//! builder.add("Лавров", 1).unwrap();
//! builder.add("US", 2).unwrap();
//! let matcher = builder.build();
//!
//! let text = "Встреча Сергея Лаврова; Sergey Lavrov’s aide told us the US view.";
//! let found: Vec<_> = matcher
//!     .find(&tokenize(text))
//!     .iter()
//!     .map(|m| (m.ids.to_vec(), m.surface(text)))
//!     .collect();
//! assert_eq!(found, vec![
//!     (vec![1], "Лаврова"),
//!     (vec![0], "Sergey Lavrov"),
//!     (vec![2], "US"),
//! ]);
//! ```

use std::collections::HashMap;
use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

/// One word of a text. Its folded key (lower case, `ё` as `е`, Latin
/// letters without diacritics) is stored in the [`Tokens`] the word belongs
/// to: [`Tokens::key_of`] returns it.
///
/// Offsets are `u32`, so a token takes 28 bytes; texts are under 4 GiB
/// (Arrow string columns hold at most 2 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte range of the key in [`Tokens`]' folded keys.
    key_start: u32,
    key_end: u32,
    start_byte: u32,
    end_byte: u32,
    start_char: u32,
    end_char: u32,
    /// Every letter is upper case (and there is at least one letter).
    pub all_caps: bool,
    /// The first character is an upper-case letter.
    pub capitalized: bool,
}

impl Token {
    /// Byte offset of the first byte in the text.
    pub fn start_byte(&self) -> usize {
        self.start_byte as usize
    }

    /// Byte offset one past the last byte.
    pub fn end_byte(&self) -> usize {
        self.end_byte as usize
    }

    /// Character (Unicode scalar) offset of the first character.
    pub fn start_char(&self) -> usize {
        self.start_char as usize
    }

    /// Character offset one past the last character.
    pub fn end_char(&self) -> usize {
        self.end_char as usize
    }
}

/// The words of one text: a [`Token`] per word, and the folded keys of all
/// words concatenated in one string (so tokenizing allocates twice per
/// text, not once per word). Dereferences to the tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    keys: String,
    tokens: Vec<Token>,
}

impl Tokens {
    /// The folded key of `token`, a token of this text.
    #[inline]
    pub fn key_of(&self, token: &Token) -> &str {
        self.slice(..).key_of(token)
    }

    /// The folded key of token `i`.
    #[inline]
    pub fn key(&self, i: usize) -> &str {
        self.key_of(&self.tokens[i])
    }

    /// The tokens `range`, with access to their keys.
    pub fn slice(
        &self,
        range: impl std::slice::SliceIndex<[Token], Output = [Token]>,
    ) -> TokenSlice<'_> {
        TokenSlice {
            keys: &self.keys,
            tokens: &self.tokens[range],
        }
    }
}

impl std::ops::Deref for Tokens {
    type Target = [Token];

    fn deref(&self) -> &[Token] {
        &self.tokens
    }
}

/// A run of the tokens of one [`Tokens`], with their keys; what
/// [`TermMatcher::find`] reads. Token indices are relative to the run.
#[derive(Debug, Clone, Copy)]
pub struct TokenSlice<'t> {
    keys: &'t str,
    tokens: &'t [Token],
}

impl<'t> TokenSlice<'t> {
    /// The folded key of `token`, a token of the same text.
    #[inline]
    pub fn key_of(&self, token: &Token) -> &'t str {
        &self.keys[token.key_start as usize..token.key_end as usize]
    }

    /// The folded key of token `i` of the run.
    #[inline]
    pub fn key(&self, i: usize) -> &'t str {
        self.key_of(&self.tokens[i])
    }

    /// The tokens `range` of this run.
    pub fn slice(
        &self,
        range: impl std::slice::SliceIndex<[Token], Output = [Token]>,
    ) -> TokenSlice<'t> {
        TokenSlice {
            keys: self.keys,
            tokens: &self.tokens[range],
        }
    }
}

impl<'t> std::ops::Deref for TokenSlice<'t> {
    type Target = [Token];

    fn deref(&self) -> &[Token] {
        self.tokens
    }
}

impl<'t> From<&'t Tokens> for TokenSlice<'t> {
    fn from(tokens: &'t Tokens) -> Self {
        tokens.slice(..)
    }
}

/// An offset as stored in a [`Token`].
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("texts are under 4 GiB")
}

/// Character class bits of [`CharInfo`]: the answers of the Unicode property
/// functions `tokenize` asks about every character.
const ALNUM: u8 = 1;
const ALPHA: u8 = 2;
const LOWER: u8 = 4;
const UPPER: u8 = 8;
/// The character's folded form is not the one character stored with it
/// (`İ` lower-cases to two characters): it is folded by [`fold_char`].
const SLOW_FOLD: u8 = 16;

/// What tokenizing needs to know about one character.
#[derive(Debug, Clone, Copy)]
struct CharInfo {
    class: u8,
    /// The folded character, or with [`SLOW_FOLD`] the character itself.
    fold: char,
}

/// The class bits of `ch`, from the same functions the
/// character-by-character reading asks, so a table of them agrees with it
/// by construction. A character that is not alphanumeric ends a word and
/// nothing else about it is read: it gets no bits at all.
fn class_of(ch: char) -> u8 {
    if !ch.is_alphanumeric() {
        return 0;
    }
    let mut class = ALNUM;
    for (yes, bit) in [
        (ch.is_alphabetic(), ALPHA),
        (ch.is_lowercase(), LOWER),
        (ch.is_uppercase(), UPPER),
    ] {
        if yes {
            class |= bit;
        }
    }
    class
}

impl CharInfo {
    /// A character that ends a word.
    const SEPARATOR: CharInfo = CharInfo {
        class: 0,
        fold: ' ',
    };

    /// The table entry of `ch`: its class and its folded form from
    /// [`fold_char`] when that is one character.
    fn of(ch: char) -> Self {
        let class = class_of(ch);
        let mut folded = String::new();
        fold_char(ch, &mut folded);
        let mut chars = folded.chars();
        match (chars.next(), chars.next()) {
            (Some(fold), None) => CharInfo { class, fold },
            _ => CharInfo {
                class: class | SLOW_FOLD,
                fold: ch,
            },
        }
    }
}

/// Characters of one and two UTF-8 bytes (below U+0800: ASCII, Latin-1,
/// Latin Extended, Cyrillic...), and whether each character from U+2000 to
/// U+2FFF is a letter or digit. News text is almost all one- and two-byte
/// characters, and its three-byte characters are mostly punctuation from
/// U+2000 on (curly quotes, dashes, `…`, `€`, `№`) that only ends a word;
/// looking these up in a table avoids the Unicode property searches per
/// character. The rest of the three-byte range is left out because asking
/// about each of its characters would cost more than its rare use saves.
struct CharTables {
    small: [CharInfo; 0x800],
    /// The class of every byte as a character if it is ASCII, no bits for
    /// the bytes of longer characters: runs of ASCII letters and digits are
    /// read a byte at a time.
    ascii_class: [u8; 256],
    /// Bit `cp % 64` of word `(cp - 0x2000) / 64` is set when U+`cp` is
    /// alphanumeric.
    u2000_alnum: [u64; 0x1000 / 64],
}

static CHAR_TABLES: LazyLock<Box<CharTables>> = LazyLock::new(|| {
    let small: [CharInfo; 0x800] = std::array::from_fn(|cp| {
        let cp = u32::try_from(cp).expect("below U+0800");
        CharInfo::of(char::from_u32(cp).expect("no surrogates below U+0800"))
    });
    let ascii_class = std::array::from_fn(|b| if b < 0x80 { small[b].class } else { 0 });
    let u2000_alnum = std::array::from_fn(|word| {
        (0..64).fold(0u64, |bits, bit| {
            let cp = u32::try_from(0x2000 + word * 64 + bit).expect("below U+3000");
            let alnum = char::from_u32(cp).is_some_and(char::is_alphanumeric);
            bits | (u64::from(alnum) << bit)
        })
    });
    Box::new(CharTables {
        small,
        ascii_class,
        u2000_alnum,
    })
});

/// Splits `text` into word tokens with byte and character offsets.
///
/// Reads the UTF-8 bytes rather than decoding every character: runs of
/// ASCII letters and digits are copied into the keys whole, two-byte
/// characters and the punctuation from U+2000 are classified by
/// [`CHAR_TABLES`], and only other characters are given to `char`'s Unicode
/// functions. The result is the same as reading character by character.
pub fn tokenize(text: &str) -> Tokens {
    let tables = &**CHAR_TABLES;
    let bytes = text.as_bytes();
    // About one word per six bytes of news text and keys about as long as
    // the text: one allocation each for most documents instead of a series
    // of doublings.
    let mut tokens = Vec::with_capacity(text.len() / 6 + 1);
    let mut keys = String::with_capacity(text.len());
    // The word being read: its first byte, character and key byte, and
    // whether it starts with a capital.
    let mut word: Option<(usize, usize, usize, bool)> = None;
    // The classes of the word's characters or-ed together: whether it has a
    // letter, and a small letter.
    let mut seen = 0;
    // Inlined: as a closure called from two places it was a call per word.
    #[inline(always)]
    fn finish(
        tokens: &mut Vec<Token>,
        word: (usize, usize, usize, bool),
        end_byte: usize,
        end_char: usize,
        key_end: usize,
        seen: u8,
    ) {
        let (start_byte, start_char, key_start, capitalized) = word;
        tokens.push(Token {
            key_start: offset(key_start),
            key_end: offset(key_end),
            start_byte: offset(start_byte),
            end_byte: offset(end_byte),
            start_char: offset(start_char),
            end_char: offset(end_char),
            all_caps: seen & ALPHA != 0 && seen & LOWER == 0,
            capitalized,
        });
    }
    let mut char_idx = 0;
    let mut byte_idx = 0;
    while let Some(&lead) = bytes.get(byte_idx) {
        let class = tables.ascii_class[usize::from(lead)];
        if class & ALNUM != 0 {
            let mut end = byte_idx + 1;
            let mut run = class;
            while let Some(&b) = bytes.get(end) {
                let class = tables.ascii_class[usize::from(b)];
                if class & ALNUM == 0 {
                    break;
                }
                run |= class;
                end += 1;
            }
            if word.is_none() {
                word = Some((byte_idx, char_idx, keys.len(), class & UPPER != 0));
                seen = 0;
            }
            // Only letters' case counts, and the ASCII small letters are
            // all letters.
            seen |= run & (ALPHA | LOWER);
            let at = keys.len();
            keys.push_str(&text[byte_idx..end]);
            // Most words have no capital to lower.
            if run & UPPER != 0 {
                keys[at..].make_ascii_lowercase();
            }
            char_idx += end - byte_idx;
            byte_idx = end;
            continue;
        }
        // Continuation bytes carry six bits each; `text` is valid UTF-8,
        // so a lead byte's continuation bytes are there.
        let low6 = |k: usize| usize::from(bytes[byte_idx + k] & 0x3F);
        let (len, info) = if lead < 0x80 {
            (1, CharInfo::SEPARATOR)
        } else if lead < 0xE0 {
            (2, tables.small[(usize::from(lead & 0x1F) << 6) | low6(1)])
        } else if lead == 0xE2 && (tables.u2000_alnum[low6(1)] >> low6(2)) & 1 == 0 {
            (3, CharInfo::SEPARATOR)
        } else {
            let ch = text[byte_idx..]
                .chars()
                .next()
                .expect("a character starts here");
            let info = CharInfo {
                class: class_of(ch) | SLOW_FOLD,
                fold: ch,
            };
            (ch.len_utf8(), info)
        };
        if info.class & ALNUM != 0 {
            if word.is_none() {
                word = Some((byte_idx, char_idx, keys.len(), info.class & UPPER != 0));
                seen = 0;
            }
            if info.class & ALPHA != 0 {
                seen |= info.class & (ALPHA | LOWER);
            }
            if info.class & SLOW_FOLD == 0 {
                keys.push(info.fold);
            } else {
                fold_char(info.fold, &mut keys);
            }
        } else if let Some(w) = word.take() {
            finish(&mut tokens, w, byte_idx, char_idx, keys.len(), seen);
        }
        byte_idx += len;
        char_idx += 1;
    }
    if let Some(w) = word.take() {
        finish(&mut tokens, w, text.len(), char_idx, keys.len(), seen);
    }
    Tokens { keys, tokens }
}

/// Appends the folded form of `ch` to `out`: lower case, `ё` as `е`, Latin
/// letters without diacritics.
fn fold_char(ch: char, out: &mut String) {
    if ch.is_ascii() {
        out.push(ch.to_ascii_lowercase());
        return;
    }
    let mut lower = ch.to_lowercase();
    let first = lower.next().unwrap_or(ch);
    let c = match first {
        'ё' => 'е',
        c if ('\u{00C0}'..='\u{024F}').contains(&c) => {
            let mut base = None;
            unicode_normalization::char::decompose_canonical(c, |d| {
                if base.is_none() {
                    base = Some(d);
                }
            });
            match base {
                Some(b) if b.is_ascii_alphabetic() => b.to_ascii_lowercase(),
                _ => c,
            }
        }
        c => c,
    };
    out.push(c);
    out.extend(lower);
}

/// The folded key of a single word, as [`tokenize`] would produce it.
pub fn fold(word: &str) -> String {
    let tables = &**CHAR_TABLES;
    let bytes = word.as_bytes();
    let mut out = String::with_capacity(word.len());
    let mut at = 0;
    // Characters below U+0800 are folded from the table, as in `tokenize`.
    while let Some(&lead) = bytes.get(at) {
        let (len, info) = if lead < 0x80 {
            (1, tables.small[usize::from(lead)])
        } else if lead < 0xE0 {
            let cp = (usize::from(lead & 0x1F) << 6) | usize::from(bytes[at + 1] & 0x3F);
            (2, tables.small[cp])
        } else {
            let ch = word[at..].chars().next().expect("a character starts here");
            let info = CharInfo {
                class: SLOW_FOLD,
                fold: ch,
            };
            (ch.len_utf8(), info)
        };
        if info.class & SLOW_FOLD == 0 {
            out.push(info.fold);
        } else {
            fold_char(info.fold, &mut out);
        }
        at += len;
    }
    out
}

/// Russian case endings accepted after a pattern word's stem.
const RU_ENDINGS: &[&str] = &[
    "а", "я", "о", "е", "у", "ю", "ы", "и", "й", "ь", "ом", "ем", "ой", "ей", "ою", "ею", "ам",
    "ям", "ами", "ями", "ах", "ях", "ов", "ев", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие",
    "ого", "его", "ому", "ему", "ым", "им", "ых", "их", "ую", "юю", "ыми", "ими", "ию", "ия", "ии",
    "ией", "иям", "иях", "иями",
];

/// Adjective endings stripped from a pattern word to find its stem.
const RU_ADJ_ENDINGS: &[&str] = &["ий", "ый", "ой", "ая", "яя", "ое", "ее", "ые", "ие"];

const RU_FINAL_VOWELS: &[char] = &['а', 'я', 'о', 'е', 'у', 'ю', 'ы', 'и', 'й', 'ь'];

/// Shortest stem (in characters) inflection may apply to.
const MIN_STEM: usize = 3;

fn is_cyrillic_word(word: &str) -> bool {
    // U+0400..=U+04FF are exactly the two-byte sequences led by 0xD0..=0xD3
    // (continuation bytes are 0x80..=0xBF).
    word.bytes().any(|b| (0xD0..=0xD3).contains(&b))
}

/// Stems under which a pattern word is stored: the word itself and, for a
/// Cyrillic word, the word without a final vowel or adjective ending.
fn pattern_stems(key: &str) -> Vec<String> {
    let mut stems = vec![key.to_string()];
    if !is_cyrillic_word(key) {
        return stems;
    }
    let len = key.chars().count();
    for ending in RU_ADJ_ENDINGS {
        if let Some(stem) = key.strip_suffix(ending)
            && len - 2 >= MIN_STEM
        {
            stems.push(stem.to_string());
        }
    }
    if let Some(last) = key.chars().last()
        && RU_FINAL_VOWELS.contains(&last)
        && len > MIN_STEM
    {
        stems.push(key[..key.len() - last.len_utf8()].to_string());
    }
    stems.dedup();
    stems
}

/// [`RU_ENDINGS`] as a set: a text word's last one to four letters are
/// looked up in it, which a walk through the list did at a cost of dozens of
/// comparisons each.
static RU_ENDING_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| RU_ENDINGS.iter().copied().collect());

/// True when `ending` is one of [`RU_ENDINGS`].
fn is_ru_ending(ending: &str) -> bool {
    RU_ENDING_SET.contains(ending)
}

/// Longest Russian ending, in characters.
const RU_MAX_ENDING: usize = 4;

/// Calls `f` with each candidate stem of a text word: the word itself, then
/// the word minus each Russian ending it carries (from the shortest ending
/// to the longest).
fn for_each_text_stem(key: &str, mut f: impl FnMut(&str)) {
    f(key);
    if !is_cyrillic_word(key) {
        return;
    }
    let len = key.chars().count();
    for (taken, (at, _)) in key.char_indices().rev().take(RU_MAX_ENDING).enumerate() {
        let ending_chars = taken + 1;
        if len - ending_chars >= MIN_STEM && is_ru_ending(&key[at..]) {
            f(&key[..at]);
        }
    }
}

/// Case rule a pattern word imposes on the text word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseRule {
    Any,
    /// Short acronym: the text word must be all capitals.
    AllCaps,
    /// Longer acronym: the text word must start with a capital.
    Capitalized,
}

impl CaseRule {
    fn of(word: &str) -> Self {
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let is_acronym = letters >= 2 && word.chars().all(|c| !c.is_lowercase());
        match (is_acronym, letters <= 3) {
            (false, _) => CaseRule::Any,
            (true, true) => CaseRule::AllCaps,
            (true, false) => CaseRule::Capitalized,
        }
    }

    fn accepts(self, token: &Token) -> bool {
        match self {
            CaseRule::Any => true,
            CaseRule::AllCaps => token.all_caps,
            CaseRule::Capitalized => token.capitalized,
        }
    }
}

#[derive(Debug, Default)]
struct Node {
    exact: HashMap<String, Vec<(CaseRule, usize)>>,
    prefix: Vec<(String, CaseRule, usize)>,
    ids: Vec<usize>,
}

/// A node of the frozen trie: its edges sorted by word number, so that a
/// token's candidate words are found by binary search. Exact words and stems
/// are numbered first, prefix words (`sanction*`) after them.
#[derive(Debug)]
struct FrozenNode {
    edges: Box<[(u32, CaseRule, u32)]>,
    ids: Box<[usize]>,
}

/// A term that could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern `{pattern}` has no word characters")]
pub struct EmptyPattern {
    /// The pattern as given.
    pub pattern: String,
}

/// Collects patterns; [`TermMatcherBuilder::build`] freezes them.
#[derive(Debug, Default)]
pub struct TermMatcherBuilder {
    nodes: Vec<Node>,
    patterns: usize,
    longest: usize,
}

impl TermMatcherBuilder {
    /// Adds `pattern` with the caller's `id` (an index into the caller's own
    /// table). Several patterns may share an id and one pattern may be added
    /// under several ids.
    pub fn add(&mut self, pattern: &str, id: usize) -> Result<(), EmptyPattern> {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        let words: Vec<(&str, bool)> = pattern
            .split(|c: char| !c.is_alphanumeric() && c != '*')
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .map(|w| match w.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (w, false),
            })
            .collect();
        if words.is_empty() {
            return Err(EmptyPattern {
                pattern: pattern.to_string(),
            });
        }
        self.longest = self.longest.max(words.len());
        let mut node = 0;
        for (word, is_prefix) in words {
            let word = word.trim_matches('*');
            let key = fold(word);
            let rule = CaseRule::of(word);
            let next = if is_prefix {
                self.nodes[node]
                    .prefix
                    .iter()
                    .find(|(k, r, _)| *k == key && *r == rule)
                    .map(|&(_, _, n)| n)
            } else {
                self.nodes[node]
                    .exact
                    .get(&key)
                    .and_then(|v| v.iter().find(|(r, _)| *r == rule).map(|&(_, n)| n))
            };
            node = match next {
                Some(n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(Node::default());
                    if is_prefix {
                        self.nodes[node].prefix.push((key, rule, n));
                    } else {
                        for stem in pattern_stems(&key) {
                            self.nodes[node]
                                .exact
                                .entry(stem)
                                .or_default()
                                .push((rule, n));
                        }
                    }
                    n
                }
            };
        }
        if !self.nodes[node].ids.contains(&id) {
            self.nodes[node].ids.push(id);
        }
        self.patterns += 1;
        Ok(())
    }

    /// Freezes the patterns into a matcher.
    pub fn build(mut self) -> TermMatcher {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        // Number every word (and stem) any edge carries, then every prefix
        // word; a text token is looked up once, not once per trie node.
        let mut words: Vec<&str> = self
            .nodes
            .iter()
            .flat_map(|n| n.exact.keys().map(String::as_str))
            .collect();
        words.sort_unstable();
        words.dedup();
        let mut prefixes: Vec<&str> = self
            .nodes
            .iter()
            .flat_map(|n| n.prefix.iter().map(|(k, _, _)| k.as_str()))
            .collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let vocabulary: FxHashMap<Box<str>, u32> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (Box::from(*w), to_u32(i)))
            .collect();
        let prefix_number = |k: &str| {
            let at = prefixes
                .binary_search(&k)
                .expect("every prefix was collected");
            to_u32(words.len() + at)
        };
        let nodes: Vec<FrozenNode> = self
            .nodes
            .iter()
            .map(|node| {
                let mut edges: Vec<(u32, CaseRule, u32)> = node
                    .exact
                    .iter()
                    .flat_map(|(word, edges)| {
                        let w = vocabulary[word.as_str()];
                        edges
                            .iter()
                            .map(move |&(rule, next)| (w, rule, to_u32(next)))
                    })
                    .chain(
                        node.prefix
                            .iter()
                            .map(|(k, rule, next)| (prefix_number(k), *rule, to_u32(*next))),
                    )
                    .collect();
                edges.sort_unstable_by_key(|&(w, _, next)| (w, next));
                let mut ids = node.ids.clone();
                ids.sort_unstable();
                FrozenNode {
                    edges: edges.into_boxed_slice(),
                    ids: ids.into_boxed_slice(),
                }
            })
            .collect();
        // The prefixes are sorted: those with the same first byte follow
        // each other.
        let mut prefix_ranges = [(0, 0); 256];
        for (i, k) in prefixes.iter().enumerate() {
            if let Some(&b) = k.as_bytes().first() {
                let range: &mut (u32, u32) = &mut prefix_ranges[usize::from(b)];
                if range.0 == range.1 {
                    range.0 = to_u32(i);
                }
                range.1 = to_u32(i + 1);
            }
        }
        let root_edges: &[(u32, CaseRule, u32)] = &nodes[0].edges;
        let root = (0..=words.len() + prefixes.len())
            .map(|w| to_u32(root_edges.partition_point(|e| e.0 < to_u32(w))))
            .collect();
        TermMatcher {
            nodes,
            root,
            prefix_ranges,
            prefixes: prefixes
                .iter()
                .enumerate()
                .map(|(i, k)| (Box::from(*k), to_u32(words.len() + i)))
                .collect(),
            vocabulary,
            patterns: self.patterns,
            longest: self.longest,
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 2^32 trie nodes and words")
}

/// The word numbers (`TermMatcher::token_words`) of the tokens a walk may
/// still visit: looked up when a walk first reaches a token, dropped in
/// blocks once every later walk starts after it, so a long text does not
/// hold them all.
#[derive(Debug)]
struct WordWindow {
    /// Index of the first token held.
    base: usize,
    /// Per token held: where its words start in `words`; one more entry
    /// marks the end of the last.
    starts: Vec<u32>,
    words: Vec<u32>,
    /// Every key of the tokens is ASCII, so none has a Russian ending.
    ascii: bool,
}

impl WordWindow {
    /// Tokens dropped at a time.
    const BLOCK: usize = 4096;

    /// An empty window over `tokens`.
    fn new(tokens: TokenSlice<'_>) -> Self {
        // The keys of a run of tokens follow each other in the keys string:
        // one pass over them (a word at a time) is cheaper than looking for
        // Cyrillic letters in each key as it is looked up.
        let ascii = match (tokens.first(), tokens.last()) {
            (Some(first), Some(last)) => {
                tokens.keys[first.key_start as usize..last.key_end as usize].is_ascii()
            }
            _ => true,
        };
        // Room for the tokens the window holds at most, and about as many
        // words, so that they are not grown a doubling at a time.
        let held = tokens.len().min(Self::BLOCK) + 1;
        let mut starts = Vec::with_capacity(held);
        starts.push(0);
        WordWindow {
            base: 0,
            starts,
            words: Vec::with_capacity(held),
            ascii,
        }
    }

    /// Tokens looked up beyond the one asked for: a call of
    /// [`WordWindow::look_up`] has a set-up cost worth sharing.
    const AHEAD: usize = 32;

    /// Looks up the words of every token up to `j` (a token of `tokens`).
    /// Most calls find them looked up already: that test is inlined into
    /// the search, the look-up is not. The search starts a walk at every
    /// token it does not skip as part of a match, so every token is looked
    /// up sooner or later: looking up a few ahead changes nothing but the
    /// number of calls.
    #[inline]
    fn fill(&mut self, matcher: &TermMatcher, tokens: TokenSlice<'_>, j: usize) {
        if self.base + self.starts.len() - 1 <= j {
            let last = (j + Self::AHEAD).min(tokens.len() - 1);
            self.look_up(matcher, tokens, last);
        }
    }

    /// The look-ups of [`WordWindow::fill`].
    fn look_up(&mut self, matcher: &TermMatcher, tokens: TokenSlice<'_>, j: usize) {
        while self.base + self.starts.len() - 1 <= j {
            let t = self.base + self.starts.len() - 1;
            matcher.token_words(tokens.key(t), self.ascii, &mut self.words);
            self.starts.push(to_u32(self.words.len()));
        }
    }

    /// The words of token `j`, which [`WordWindow::fill`] looked up.
    #[inline]
    fn get(&self, j: usize) -> &[u32] {
        let k = j - self.base;
        &self.words[self.starts[k] as usize..self.starts[k + 1] as usize]
    }

    /// Drops the tokens before `i` (at most one past the last looked up)
    /// once they fill a block; called for every token, and seldom dropping.
    #[inline]
    fn forget_before(&mut self, i: usize) {
        if i - self.base >= Self::BLOCK {
            self.drop_before(i);
        }
    }

    /// The dropping of [`WordWindow::forget_before`].
    fn drop_before(&mut self, i: usize) {
        let k = i - self.base;
        let w = self.starts[k];
        self.words.drain(..w as usize);
        self.starts.drain(..k);
        for s in &mut self.starts {
            *s -= w;
        }
        self.base = i;
    }
}

/// One match: the ids of the patterns that matched and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermMatch<'m> {
    /// Ids given to [`TermMatcherBuilder::add`] for this token sequence.
    pub ids: &'m [usize],
    /// Index of the first token (in the tokens searched).
    pub first_token: usize,
    /// Index one past the last token.
    pub end_token: usize,
    /// Byte offset of the match in the text.
    pub start_byte: usize,
    /// Byte offset one past the match.
    pub end_byte: usize,
    /// Character offset of the match in the text.
    pub start_char: usize,
    /// Character offset one past the match.
    pub end_char: usize,
}

impl TermMatch<'_> {
    /// The matched text as written.
    pub fn surface<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start_byte..self.end_byte]
    }
}

/// A frozen set of patterns; cheap to share between threads.
#[derive(Debug)]
pub struct TermMatcher {
    nodes: Vec<FrozenNode>,
    /// The root's edges of word `w` are `nodes[0].edges[root[w]..root[w + 1]]`:
    /// every token starts at the root, whose edge list is the longest.
    root: Box<[u32]>,
    vocabulary: FxHashMap<Box<str>, u32>,
    /// Prefix words with their numbers.
    prefixes: Box<[(Box<str>, u32)]>,
    /// Per first byte, the range of `prefixes` starting with it: most
    /// tokens are ruled out at once, the others compared with a few.
    prefix_ranges: [(u32, u32); 256],
    patterns: usize,
    longest: usize,
}

impl TermMatcher {
    /// Starts a builder.
    pub fn builder() -> TermMatcherBuilder {
        TermMatcherBuilder::default()
    }

    /// Number of patterns added.
    pub fn len(&self) -> usize {
        self.patterns
    }

    /// True when no pattern was added.
    pub fn is_empty(&self) -> bool {
        self.patterns == 0
    }

    /// Words in the longest pattern: a match covers at most this many
    /// tokens, and whether one starts at a token depends on no token
    /// further on.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Appends the numbers of the words a token with folded key `key` can
    /// stand for: its stems that some pattern uses, and the prefix words it
    /// starts with. `ascii` says the key is known to be ASCII, so it has
    /// no stems but itself.
    fn token_words(&self, key: &str, ascii: bool, out: &mut Vec<u32>) {
        let mut look_up = |stem: &str| {
            if let Some(&w) = self.vocabulary.get(stem) {
                out.push(w);
            }
        };
        if ascii {
            look_up(key);
        } else {
            for_each_text_stem(key, look_up);
        }
        if let Some(&first) = key.as_bytes().first() {
            let (from, to) = self.prefix_ranges[usize::from(first)];
            out.extend(
                self.prefixes[from as usize..to as usize]
                    .iter()
                    .filter(|(k, _)| key.starts_with(&**k))
                    .map(|&(_, w)| w),
            );
        }
    }

    /// Pushes every node reachable from `node` by `token`, whose words have
    /// the numbers `words`.
    fn successors(&self, node: u32, token: &Token, words: &[u32], out: &mut Vec<u32>) {
        let edges = &self.nodes[node as usize].edges;
        if edges.is_empty() {
            return;
        }
        for &w in words {
            let range = if node == 0 {
                self.root[w as usize] as usize..self.root[w as usize + 1] as usize
            } else {
                let from = edges.partition_point(|e| e.0 < w);
                from..from + edges[from..].partition_point(|e| e.0 == w)
            };
            out.extend(
                edges[range]
                    .iter()
                    .filter(|(_, rule, _)| rule.accepts(token))
                    .map(|&(_, _, next)| next),
            );
        }
    }

    /// Finds leftmost-longest, non-overlapping matches over `tokens`.
    ///
    /// From each start token every branch the words allow is followed at
    /// once (two patterns may share a stem at the same position, or an exact
    /// word and a prefix pattern may both fit), and the longest accepted
    /// path wins; among paths of the same length, the earliest added.
    pub fn find<'m, 't>(&'m self, tokens: impl Into<TokenSlice<'t>>) -> Vec<TermMatch<'m>> {
        let mut out = Vec::new();
        self.find_each(tokens, |m| out.push(m));
        out
    }

    /// Calls `f` with each match [`TermMatcher::find`] returns, in text
    /// order, without collecting them.
    pub fn find_each<'m, 't>(
        &'m self,
        tokens: impl Into<TokenSlice<'t>>,
        mut f: impl FnMut(TermMatch<'m>),
    ) {
        let tokens = tokens.into();
        let mut window = WordWindow::new(tokens);
        let mut active = Vec::new();
        let mut next = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            window.forget_before(i);
            window.fill(self, tokens, i);
            if window.get(i).is_empty() {
                i += 1;
                continue;
            }
            active.clear();
            active.push(0);
            let mut best: Option<(usize, u32)> = None;
            let mut j = i;
            while j < tokens.len() && !active.is_empty() {
                next.clear();
                window.fill(self, tokens, j);
                for &node in &active {
                    self.successors(node, &tokens[j], window.get(j), &mut next);
                }
                next.sort_unstable();
                next.dedup();
                j += 1;
                if let Some(&node) = next
                    .iter()
                    .find(|&&n| !self.nodes[n as usize].ids.is_empty())
                {
                    best = Some((j, node));
                }
                std::mem::swap(&mut active, &mut next);
            }
            match best {
                Some((end, node)) => {
                    f(TermMatch {
                        ids: &self.nodes[node as usize].ids,
                        first_token: i,
                        end_token: end,
                        start_byte: tokens[i].start_byte(),
                        end_byte: tokens[end - 1].end_byte(),
                        start_char: tokens[i].start_char(),
                        end_char: tokens[end - 1].end_char(),
                    });
                    i = end;
                }
                None => i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reading of text before character tables were used.
    mod by_char {
        use super::super::{Token, Tokens, fold_char, offset};

        /// The character-by-character `fold`, kept as it was.
        pub fn fold(word: &str) -> String {
            let mut out = String::with_capacity(word.len());
            for ch in word.chars() {
                fold_char(ch, &mut out);
            }
            out
        }

        /// The character-by-character `tokenize` the table-driven one replaced,
        /// kept as it was: the definition the fast one must agree with.
        pub fn tokenize(text: &str) -> Tokens {
            // About one word per six bytes of news text and keys about as long as
            // the text: one allocation each for most documents instead of a series
            // of doublings.
            let mut tokens = Vec::with_capacity(text.len() / 6 + 1);
            let mut keys = String::with_capacity(text.len());
            // The word being read: its first byte, character and key byte, and
            // whether it starts with a capital.
            let mut word: Option<(usize, usize, usize, bool)> = None;
            let mut has_lower = false;
            let mut has_letter = false;
            let mut finish =
                |word: (usize, usize, usize, bool), end_byte, end_char, key_end, all_caps| {
                    let (start_byte, start_char, key_start, capitalized) = word;
                    tokens.push(Token {
                        key_start: offset(key_start),
                        key_end: offset(key_end),
                        start_byte: offset(start_byte),
                        end_byte: offset(end_byte),
                        start_char: offset(start_char),
                        end_char: offset(end_char),
                        all_caps,
                        capitalized,
                    });
                };
            let mut char_idx = 0;
            for (byte_idx, ch) in text.char_indices() {
                if ch.is_alphanumeric() {
                    if word.is_none() {
                        word = Some((byte_idx, char_idx, keys.len(), ch.is_uppercase()));
                        has_lower = false;
                        has_letter = false;
                    }
                    if ch.is_alphabetic() {
                        has_letter = true;
                        has_lower |= ch.is_lowercase();
                    }
                    fold_char(ch, &mut keys);
                } else if let Some(w) = word.take() {
                    finish(w, byte_idx, char_idx, keys.len(), has_letter && !has_lower);
                }
                char_idx += 1;
            }
            if let Some(w) = word.take() {
                finish(
                    w,
                    text.len(),
                    char_idx,
                    keys.len(),
                    has_letter && !has_lower,
                );
            }
            Tokens { keys, tokens }
        }
    }

    /// Characters news text has and the ones the tables must not get
    /// wrong: ASCII, Latin-1 and Latin Extended, Cyrillic with `ё`, `İ`
    /// (which lower-cases to two characters), combining marks, digits of
    /// other scripts, CJK, emoji, punctuation and spaces of several widths.
    fn interesting_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => proptest::char::range(' ', '~'),
            2 => proptest::char::range('\u{80}', '\u{24F}'),
            2 => proptest::char::range('\u{400}', '\u{4FF}'),
            1 => prop::sample::select(vec![
                'ё', 'Ё', 'İ', 'ı', 'ß', 'ẞ', 'ǅ', 'ª', 'º', '²', '½', '\u{a0}', '\u{ad}',
                '\u{202f}', '\u{2009}', '’', '“', '”', '—', '…', '№', 'ⅷ', 'Ⅻ', 'Ⓐ',
            ]),
            1 => proptest::char::range('\u{300}', '\u{36F}'),
            1 => proptest::char::range('\u{250}', '\u{7FF}'),
            1 => prop::sample::select(vec!['٣', '۴', '७', '৫', '๒', '０', '９', '𝟘']),
            1 => proptest::char::range('\u{2000}', '\u{218F}'),
            1 => proptest::char::range('\u{3000}', '\u{30FF}'),
            1 => proptest::char::range('\u{4E00}', '\u{4FFF}'),
            1 => proptest::char::range('\u{1F300}', '\u{1F64F}'),
            1 => any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn tokenize_and_fold_agree_with_the_char_by_char_reading(
            chars in prop::collection::vec(interesting_char(), 0..60)
        ) {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(tokenize(&text), by_char::tokenize(&text));
            prop_assert_eq!(fold(&text), by_char::fold(&text));
        }
    }

    #[test]
    fn every_character_tokenizes_and_folds_as_before() {
        // Each character at the start of a word, after a capital and before
        // a small letter, alone, and at the end of the text.
        for ch in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let text = format!("A{ch}a {ch}. {ch}");
            assert_eq!(tokenize(&text), by_char::tokenize(&text), "{ch:?}");
            assert_eq!(fold(&text), by_char::fold(&text), "{ch:?}");
        }
    }

    #[test]
    fn tokenize_edge_cases() {
        let keys = |text: &str| {
            let tokens = tokenize(text);
            assert_eq!(tokens, by_char::tokenize(text), "{text:?}");
            (0..tokens.len())
                .map(|i| tokens.key(i).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys("İstanbul"), ["i\u{307}stanbul"]);
        assert_eq!(keys("Ёлка, ЁЖ"), ["елка", "еж"]);
        assert_eq!(keys("ÉTÉ naïve Łódź"), ["ete", "naive", "łodz"]);
        assert_eq!(keys("x² ½ №5"), ["x²", "½", "5"]);
        assert_eq!(
            keys("Putin’s\u{a0}“aide”—here…"),
            ["putin", "s", "aide", "here"]
        );
        assert_eq!(keys("١٢٣ 東京 🙂ok"), ["١٢٣", "東京", "ok"]);
        assert_eq!(keys(""), Vec::<String>::new());
        let tokens = tokenize("Ёж ЁЖ ёЖ 1A");
        let caps: Vec<_> = tokens.iter().map(|t| (t.all_caps, t.capitalized)).collect();
        assert_eq!(
            caps,
            [(false, true), (true, true), (false, false), (true, false)]
        );
        assert_eq!(tokens[3].start_char(), 9);
        assert_eq!(tokens[3].start_byte(), 15);
    }

    /// Patterns, a text, and the expected (pattern index, surface) matches.
    type Case<'a> = (&'a [&'a str], &'a str, &'a [(usize, &'a str)]);

    fn matches(patterns: &[&str], text: &str) -> Vec<(usize, String)> {
        let mut b = TermMatcher::builder();
        for (i, p) in patterns.iter().enumerate() {
            b.add(p, i).unwrap();
        }
        let m = b.build();
        m.find(&tokenize(text))
            .into_iter()
            .map(|x| (x.ids[0], x.surface(text).to_string()))
            .collect()
    }

    #[test]
    fn longest_counts_the_words_of_the_longest_pattern() {
        assert_eq!(TermMatcher::builder().build().longest(), 0);
        let mut b = TermMatcher::builder();
        b.add("sanction*", 0).unwrap();
        b.add("Korean Peninsula", 1).unwrap();
        b.add("U.S.-Russia arms control", 2).unwrap();
        b.add("nuclear", 3).unwrap();
        let m = b.build();
        assert_eq!(m.longest(), 5);
        let text = "U.S.-Russia arms control talks";
        let found = m.find(&tokenize(text));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].end_token - found[0].first_token, m.longest());
    }

    #[test]
    fn table() {
        let cases: &[Case] = &[
            // word boundaries: no match inside a longer word
            (&["Iran"], "Iranian and Iran.", &[(0, "Iran")]),
            (&["Lvov"], "Lavrov and Lvov", &[(0, "Lvov")]),
            // possessives and curly apostrophes
            (&["Putin"], "President Putin’s visit", &[(0, "Putin")]),
            // hyphen, case and spacing variants
            (
                &["two plus two"],
                "the two-plus-two format",
                &[(0, "two-plus-two")],
            ),
            (
                &["two plus two"],
                "the “Two Plus Two” format",
                &[(0, "Two Plus Two")],
            ),
            (
                &["Korean Peninsula"],
                "on the Korean\u{a0}Peninsula",
                &[(0, "Korean\u{a0}Peninsula")],
            ),
            // leftmost-longest
            (
                &["UN", "UN Security Council"],
                "the UN Security Council and the UN",
                &[(1, "UN Security Council"), (0, "UN")],
            ),
            // acronyms keep their case
            (&["US"], "told us about the US", &[(0, "US")]),
            (&["ASEAN"], "Asean and ASEAN", &[(0, "Asean"), (0, "ASEAN")]),
            // Russian inflection
            (
                &["Лавров"],
                "Лаврова, Лавровым, Лавровка",
                &[(0, "Лаврова"), (0, "Лавровым")],
            ),
            (
                &["Япония"],
                "Японии и Японией",
                &[(0, "Японии"), (0, "Японией")],
            ),
            (
                &["Сергей Лавров"],
                "Сергея Лаврова",
                &[(0, "Сергея Лаврова")],
            ),
            (&["японский"], "японская сторона", &[(0, "японская")]),
            (&["Москва"], "в Москве", &[(0, "Москве")]),
            (&["ё"], "", &[]),
            // diacritics and ё
            (&["Taro Kono"], "Tarō Kōno said", &[(0, "Tarō Kōno")]),
            (&["Королёв"], "Королев", &[(0, "Королев")]),
            // prefix patterns
            (&["sanction*"], "new sanctions", &[(0, "sanctions")]),
            (
                &["sanction*", "sa*"],
                "sanctions on sale",
                &[(0, "sanctions"), (1, "sale")],
            ),
            (&["санкци*"], "новые санкции", &[(0, "санкции")]),
            // an exact word does not hide a prefix pattern at the same place
            (
                &["missile", "missile defen*"],
                "missile defences and a missile",
                &[(1, "missile defences"), (0, "missile")],
            ),
            // two phrases whose first words share a stem both match
            (
                &["ядерное оружие", "ядерная программа"],
                "ядерной программы и ядерного оружия",
                &[(1, "ядерной программы"), (0, "ядерного оружия")],
            ),
        ];
        for (patterns, text, expected) in cases {
            let got = matches(patterns, text);
            let want: Vec<_> = expected.iter().map(|(i, s)| (*i, s.to_string())).collect();
            assert_eq!(got, want, "patterns {patterns:?} on {text:?}");
        }
    }

    /// The words of a token as [`TermMatcher::token_words`] defines them:
    /// its stems found in the vocabulary (the endings read from the list),
    /// then the prefix words it starts with, in their order.
    fn token_words_by_definition(m: &TermMatcher, key: &str) -> Vec<u32> {
        let mut stems = vec![key];
        if is_cyrillic_word(key) {
            let len = key.chars().count();
            for (taken, (at, _)) in key.char_indices().rev().take(RU_MAX_ENDING).enumerate() {
                if len - (taken + 1) >= MIN_STEM && RU_ENDINGS.contains(&&key[at..]) {
                    stems.push(&key[..at]);
                }
            }
        }
        let mut words: Vec<u32> = stems
            .into_iter()
            .filter_map(|stem| m.vocabulary.get(stem).copied())
            .collect();
        words.extend(
            m.prefixes
                .iter()
                .filter(|(k, _)| key.starts_with(&**k))
                .map(|&(_, w)| w),
        );
        words
    }

    proptest! {
        #[test]
        fn token_words_follow_their_definition(
            patterns in prop::collection::vec("[a-cа-вяию]{1,5}\\*?", 1..12),
            keys in prop::collection::vec("[a-cа-вяиюй]{1,9}", 1..12),
        ) {
            let mut b = TermMatcher::builder();
            for (i, p) in patterns.iter().enumerate() {
                b.add(p, i).unwrap();
            }
            let m = b.build();
            for key in &keys {
                let want = token_words_by_definition(&m, key);
                let mut got = Vec::new();
                m.token_words(key, false, &mut got);
                prop_assert_eq!(&got, &want, "{}", key);
                if key.is_ascii() {
                    got.clear();
                    m.token_words(key, true, &mut got);
                    prop_assert_eq!(&got, &want, "{}", key);
                }
            }
        }
    }

    #[test]
    fn offsets_are_characters() {
        let text = "Москва и Tokyo";
        let mut b = TermMatcher::builder();
        b.add("Tokyo", 7).unwrap();
        let m = b.build();
        let found = m.find(&tokenize(text));
        assert_eq!(found[0].start_char, 9);
        assert_eq!(found[0].end_char, 14);
        assert_eq!(found[0].ids, &[7]);
    }

    #[test]
    fn stem_search_covers_the_longest_ending() {
        let longest = RU_ENDINGS.iter().map(|e| e.chars().count()).max();
        assert_eq!(longest, Some(RU_MAX_ENDING));
        // Three- and four-letter endings are found: "инициатив" + "ами",
        // "технолог" + "иями".
        let mut stems = Vec::new();
        for_each_text_stem("инициативами", |s| stems.push(s.to_string()));
        assert!(stems.contains(&"инициатив".to_string()), "{stems:?}");
        for_each_text_stem("технологиями", |s| stems.push(s.to_string()));
        assert!(stems.contains(&"технолог".to_string()), "{stems:?}");
    }

    #[test]
    fn matches_across_dropped_blocks() {
        // Matches, and walks that fail after a few tokens, straddle the
        // token blocks the matcher drops as it goes.
        let mut text = String::new();
        let mut want = Vec::new();
        for i in 0..3 * WordWindow::BLOCK {
            if i % 1000 == 999 {
                want.push(text.len());
                text.push_str("North Korea ");
            } else {
                text.push_str("word ");
            }
        }
        let mut b = TermMatcher::builder();
        b.add("North Korea", 0).unwrap();
        b.add("word word South", 1).unwrap();
        let m = b.build();
        let found: Vec<usize> = m
            .find(&tokenize(&text))
            .iter()
            .map(|x| x.start_byte)
            .collect();
        assert_eq!(found, want);
    }

    #[test]
    fn empty_pattern_is_an_error() {
        let mut b = TermMatcher::builder();
        assert!(b.add(" - ", 0).is_err());
    }

    #[test]
    fn shared_ids_on_one_pattern() {
        let mut b = TermMatcher::builder();
        b.add("Korea", 1).unwrap();
        b.add("Korea", 2).unwrap();
        let m = b.build();
        assert_eq!(m.find(&tokenize("Korea"))[0].ids, &[1, 2]);
    }
}

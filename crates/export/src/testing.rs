//! A small batch of the tagged stream schema for tests and examples: two
//! documents with mentions and topic evidence, and one reject.
//!
//! | row | doc_id | what |
//! |---|---|---|
//! | 0 | `tass_001` | English TASS report; title starts with `=`, author with `@`; 2 mentions, 2 evidence hits |
//! | 1 | `mid_002` | Russian item with a null title, 1 mention, 1 evidence hit |
//! | 2 | `bad_003` | reject `binary` |

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Int8Array, Int16Array, RecordBatch, StringArray,
    UInt32Array, UInt64Array, new_null_array,
};
use newsflow_core::batch::{str_list_array, struct_list_array};
use newsflow_core::schema::{
    col, evidence_fields, mention_fields, provenance_fields, tagged_schema, topic_score_fields,
};

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// Builds the sample batch; its schema is exactly
/// [`tagged_schema`].
pub fn sample_tagged_batch() -> RecordBatch {
    let schema = tagged_schema();
    let reject_row = Some(&[false, false, true][..]);
    let columns = schema
        .fields()
        .iter()
        .map(|field| -> ArrayRef {
            match field.name().as_str() {
                col::DOC_ID => strings(&[Some("tass_001"), Some("mid_002"), Some("bad_003")]),
                col::SOURCE_PATH => strings(&[
                    Some("tass/001.txt"),
                    Some("mid/002.txt"),
                    Some("junk/003.bin"),
                ]),
                col::CONTENT_HASH => strings(&[
                    Some("d7c65799752ff593"),
                    Some("0a1b2c3d4e5f6071"),
                    Some("ffeeddccbbaa9988"),
                ]),
                col::ENCODING => strings(&[Some("UTF-8"), Some("windows-1251"), None]),
                col::BYTES => Arc::new(UInt64Array::from(vec![1234, 567, 89])),
                col::TEXT => strings(&[Some("raw one"), Some("raw two"), None]),
                col::META_PUBLISHED => strings(&[None, None, None]),
                col::META_URL => strings(&[Some("https://example.invalid/001"), None, None]),
                col::META_SOURCE => strings(&[None, None, None]),
                col::REJECT_REASON => strings(&[None, None, Some("binary")]),
                col::REJECT_DETAIL => strings(&[None, None, Some("NUL bytes in the first 8 KiB")]),
                col::FLAGS => str_list_array(&[vec!["alias_repaired"], vec![], vec![]]),
                col::TITLE => strings(&[Some("=Lavrov, Kono hold talks"), None, None]),
                col::LEDE => strings(&[Some("Ministers met in Tokyo."), None, None]),
                col::BODY => strings(&[
                    Some(
                        "TOKYO, March 20. Lavrov met Kono.\n\nJapan and Russia, \"two plus two\".",
                    ),
                    Some("Россия и Япония провели переговоры."),
                    None,
                ]),
                col::HEADINGS => str_list_array(&[vec!["Talks", "Security"], vec![], vec![]]),
                col::DATE_TEXT => strings(&[Some("March 20, 2017 14:05"), None, None]),
                col::PUBLISHED_YEAR => Arc::new(Int16Array::from(vec![Some(2017), None, None])),
                col::PUBLISHED_MONTH => Arc::new(Int8Array::from(vec![Some(3), None, None])),
                col::PUBLISHED_DAY => Arc::new(Int8Array::from(vec![Some(20), None, None])),
                col::PUBLISHED_TIME => strings(&[Some("14:05"), None, None]),
                col::DATE_PRECISION => strings(&[Some("datetime"), Some("none"), None]),
                col::DATELINE_PLACE => strings(&[Some("Tokyo"), None, None]),
                col::SOURCE => strings(&[Some("TASS"), Some("MID"), None]),
                col::AUTHOR => strings(&[Some("@tass_agency"), None, None]),
                col::SPEAKER => strings(&[None, None, None]),
                col::LANGUAGE => strings(&[Some("en"), Some("ru"), None]),
                col::LANGUAGE_CONFIDENCE => {
                    Arc::new(Float32Array::from(vec![Some(0.99), Some(0.5), None]))
                }
                col::PERSONS => {
                    str_list_array(&[vec!["Sergey Lavrov", "Taro Kono"], vec![], vec![]])
                }
                col::COUNTRIES => str_list_array(&[vec!["JP", "RU"], vec!["RU", "JP"], vec![]]),
                col::ORGS => str_list_array::<&str>(&[vec![], vec![], vec![]]),
                col::PLACES => str_list_array(&[vec!["Tokyo"], vec![], vec![]]),
                col::DUP_CLUSTER => strings(&[Some("tass_001"), Some("mid_002"), None]),
                col::DUP_KIND => strings(&[Some("unique"), Some("unique"), None]),
                col::NOISE_REMOVED => Arc::new(UInt32Array::from(vec![Some(4), Some(0), None])),
                col::NOISE_RULES => str_list_array(&[vec!["share_buttons"], vec![], vec![]]),
                col::PROVENANCE => struct_list_array(
                    provenance_fields(),
                    &[2, 0, 0],
                    vec![
                        strings(&[Some("title"), Some("date")]),
                        strings(&[Some("first_line"), Some("dateline")]),
                    ],
                    reject_row,
                )
                .expect("provenance"),
                col::MENTIONS => struct_list_array(
                    mention_fields(),
                    &[2, 1, 0],
                    vec![
                        strings(&[Some("person"), Some("country"), Some("country")]),
                        strings(&[Some("Sergey Lavrov"), Some("JP"), Some("RU")]),
                        strings(&[Some("Lavrov"), Some("Japan"), Some("Россия")]),
                        Arc::new(UInt32Array::from(vec![17, 35, 0])),
                        Arc::new(UInt32Array::from(vec![23, 40, 6])),
                        Arc::new(BooleanArray::from(vec![false, false, true])),
                        strings(&[Some("alias"), Some("gazetteer"), Some("inflection")]),
                    ],
                    reject_row,
                )
                .expect("mentions"),
                col::TOPICS => str_list_array(&[vec!["diplomacy", "defence"], vec![], vec![]]),
                col::TOPIC_SCORES => struct_list_array(
                    topic_score_fields(),
                    &[2, 1, 0],
                    vec![
                        strings(&[Some("diplomacy"), Some("defence"), Some("diplomacy")]),
                        Arc::new(Float32Array::from(vec![0.875, 0.25, 0.1])),
                        Arc::new(UInt32Array::from(vec![3, 1, 1])),
                    ],
                    reject_row,
                )
                .expect("topic_scores"),
                col::TOPIC_EVIDENCE => struct_list_array(
                    evidence_fields(),
                    &[2, 1, 0],
                    vec![
                        strings(&[Some("diplomacy"), Some("defence"), Some("diplomacy")]),
                        strings(&[Some("met"), Some("two plus two"), Some("переговоры")]),
                        Arc::new(UInt32Array::from(vec![24, 54, 24])),
                        Arc::new(UInt32Array::from(vec![27, 66, 34])),
                        Arc::new(Float32Array::from(vec![0.5, 0.25, 0.1])),
                    ],
                    reject_row,
                )
                .expect("topic_evidence"),
                // A column added to the contract later: nulls.
                _ => new_null_array(field.data_type(), 3),
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("sample batch matches the tagged schema")
}

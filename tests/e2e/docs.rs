//! The data dictionary in docs/schema.md is the one the code writes.

use newsflow_e2e::*;

#[test]
fn docs_schema_carries_the_generated_dictionary() {
    let printed = String::from_utf8(newsflow_ok(&["schema"])).unwrap();
    let doc = std::fs::read_to_string(repo().join("docs/schema.md")).unwrap();
    let begin = "<!-- BEGIN GENERATED: newsflow schema -->\n";
    let end = "<!-- END GENERATED: newsflow schema -->";
    let start = doc.find(begin).expect("begin marker") + begin.len();
    let stop = doc.find(end).expect("end marker");
    assert_eq!(
        &doc[start..stop],
        printed,
        "docs/schema.md is out of date: paste `newsflow schema` between the markers"
    );
}

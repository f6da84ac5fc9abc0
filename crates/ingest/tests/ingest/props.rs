//! Property: any bytes as a file give exactly one row and never panic.

use proptest::prelude::*;

use crate::support::*;

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        // Mostly text, with a few stray bytes.
        (".{0,300}", proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(s, extra)| {
            let mut v = s.into_bytes();
            let at = v.len() / 2;
            v.splice(at..at, extra);
            v
        }),
        // Things that look like the start of something special.
        (
            prop::sample::select(vec![
                &b"\xEF\xBB\xBF"[..],
                b"\xFF\xFE",
                b"\xFE\xFF",
                b"\x1F\x8B",
                b"\x28\xB5\x2F\xFD",
                b"%PDF-",
            ]),
            proptest::collection::vec(any::<u8>(), 0..512)
        )
            .prop_map(|(head, tail)| [head, &tail[..]].concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_a_text_file_give_one_row(raw in bytes()) {
        let r = single("input.txt", &raw);
        prop_assert_eq!(r.doc_id.as_str(), "input");
        prop_assert_eq!(r.source_path.as_str(), "input.txt");
        prop_assert_eq!(r.bytes, raw.len() as u64);
        if r.reject_reason.is_none() {
            prop_assert_eq!(r.content_hash, Some(hex_hash(&raw)));
        }
    }

    #[test]
    fn any_bytes_as_a_compressed_file_give_one_row(raw in bytes(), zst in any::<bool>()) {
        let name = if zst { "input.txt.zst" } else { "input.txt.gz" };
        let r = single(name, &raw);
        prop_assert_eq!(r.doc_id.as_str(), "input");
    }

    #[test]
    fn any_bytes_compressed_round_trip_like_plain(raw in bytes()) {
        let plain = single("p.txt", &raw);
        let packed = single("p.txt.gz", &gzip(&raw));
        prop_assert_eq!(plain.text, packed.text);
        prop_assert_eq!(plain.reject_reason, packed.reject_reason);
        prop_assert_eq!(plain.content_hash.is_some(), packed.content_hash.is_some());
    }

    #[test]
    fn any_bytes_as_jsonl_or_csv_never_panic(raw in bytes(), csv in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let name = if csv { "x.csv" } else { "x.jsonl" };
        std::fs::write(dir.path().join(name), &raw).unwrap();
        let rows = run_default(dir.path());
        prop_assert!(!rows.is_empty());
    }
}

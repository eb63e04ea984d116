//! MaxScore's pages against every match ranked.

use super::*;
use crate::search::query::seeking_union::SeekingUnion;
use crate::search::random;
use tantivy::collector::TopDocs;
use tantivy::schema::{Schema, TEXT};
use tantivy::{doc, Index, Term};

/// A test index with a name and a body field.
struct Corpus {
    index: Index,
    name: tantivy::schema::Field,
    body: tantivy::schema::Field,
}

/// An index of `count` documents whose name and body `texts` gives (committed every 2,000).
fn corpus(count: usize, mut texts: impl FnMut(usize) -> (String, String)) -> Corpus {
    let mut schema = Schema::builder();
    let name = schema.add_text_field("name", TEXT);
    let body = schema.add_text_field("body", TEXT);
    let index = Index::create_in_ram(schema.build());
    let mut writer = index.writer(15_000_000).expect("writer");
    for i in 0..count {
        let (name_text, body_text) = texts(i);
        writer
            .add_document(doc!(name => name_text, body => body_text))
            .expect("add");
        if i % 2_000 == 1_999 {
            writer.commit().expect("commit");
        }
    }
    writer.commit().expect("commit");
    Corpus { index, name, body }
}

/// Words, and each word's boosts on name and body.
type Case<'a> = (&'a [&'a str], &'a [(f32, f32)]);

/// Asserts that for each case (words, and each word's boosts on name and body), MaxScore's
/// pages of every size in `limits` are the best of every match ranked, ties by document
/// order, bit for bit.
fn assert_pages_are_the_best(corpus: &Corpus, cases: &[Case<'_>], limits: &[usize]) {
    let searcher = corpus.index.reader().expect("reader").searcher();
    assert!(searcher.segment_readers().len() > 1);
    let caches = TermCaches::default();
    for (case, (chosen, boosts)) in cases.iter().enumerate() {
        let terms: Vec<(Term, Score)> = chosen
            .iter()
            .zip(boosts.iter())
            .flat_map(|(word, (on_name, on_body))| {
                [
                    (Term::from_field_text(corpus.name, word), *on_name),
                    (Term::from_field_text(corpus.body, word), *on_body),
                ]
            })
            .collect();
        let top_words = TopWords {
            terms: terms.clone(),
            caches: caches.clone(),
            grouping: None,
            only: Vec::new(),
        };
        let every: Vec<Box<dyn Query>> = terms
            .iter()
            .map(|(term, boost)| TopWords::clause(term, *boost))
            .collect();
        let mut ranked = searcher
            .search(&SeekingUnion { clauses: every }, &TopDocs::with_limit(100_000))
            .expect("every match");
        ranked.sort_by(|(a, address_a), (b, address_b)| b.total_cmp(a).then(address_a.cmp(address_b)));
        for &limit in limits {
            let page = searcher.search(&top_words, &TopDocs::with_limit(limit)).expect("page");
            let expected: Vec<_> = ranked.iter().take(limit).map(|(s, a)| (s.to_bits(), *a)).collect();
            let found: Vec<_> = page.iter().map(|(s, a)| (s.to_bits(), *a)).collect();
            assert_eq!(found, expected, "case {case}, page of {limit}");
        }
    }
}

/// MaxScore's best pages are the best of every match ranked, ties by document order,
/// for many word sets and page sizes, with several segments.
#[test]
fn top_words_pages_are_the_best_of_every_match() {
    let words = [
        "chair", "exercise", "balance", "lunch", "club", "walk", "group", "tai", "chi",
    ];
    let mut next = random(0x2545_f491_4f6c_dd1d);
    let corpus = corpus(6_000, |_| {
        // Random words and lengths: scores spread wide, with ties among equal texts.
        let mut pick = |most: usize| -> String {
            let count = 1 + next(most);
            (0..count)
                .map(|_| words[next(words.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        (pick(3), pick(12))
    });
    // Boosts per word (name, body): equal, and uneven (the clauses' highest scores then
    // interleave across fields).
    let even = [(3.0, 1.0); 3];
    let uneven = [(2.0, 4.0), (1.5, 3.5), (5.0, 0.5)];
    let cases: [Case<'_>; 7] = [
        (&["chair"], &even),
        (&["chair", "club"], &even),
        (&["walk", "tai", "lunch"], &even),
        (&["balance"], &even),
        (&["walk", "tai", "lunch"], &uneven),
        (&["group", "chi", "exercise"], &uneven),
        (&["club", "balance"], &uneven),
    ];
    assert_pages_are_the_best(&corpus, &cases, &[1, 3, 10, 57]);
}

/// As above, over listings made from a few templates (as directories are: the same class
/// name in town after town), where thousands tie near the top and the threshold soon needs
/// every strong word (the required clauses lead). Every page size up to 150 moves the
/// threshold through each score level, just above and below the documents that lack a word.
#[test]
fn top_words_pages_are_the_best_among_templates() {
    let names = [
        "chair exercise class",
        "chair based exercise",
        "balance class",
        "exercise club",
        "tai chi",
        "chair yoga",
    ];
    let sentences = [
        "gentle exercise sitting in a chair",
        "improve your balance",
        "a friendly club",
        "tai chi for balance and exercise",
    ];
    let towns = ["york", "hull", "great yarmouth", "bury st edmunds", "stoke on trent"];
    let mut next = random(0x9e37_79b9_7f4a_7c15);
    let corpus = corpus(6_000, |_| {
        let town = towns[next(towns.len())];
        let name = format!("{} {town}", names[next(names.len())]);
        let body = (0..1 + next(3))
            .map(|_| sentences[next(sentences.len())])
            .collect::<Vec<_>>()
            .join(" ");
        (name, body)
    });
    let even = [(3.0, 1.0); 3];
    let uneven = [(2.0, 4.0), (1.5, 3.5), (5.0, 0.5)];
    let cases: [Case<'_>; 5] = [
        (&["chair", "exercise"], &even),
        (&["tai", "chi", "balance"], &even),
        (&["chair", "exercise", "class"], &uneven),
        (&["balance", "club"], &uneven),
        (&["exercise", "chair", "yoga"], &even),
    ];
    let limits: Vec<usize> = (1..=150).collect();
    assert_pages_are_the_best(&corpus, &cases, &limits);
}

/// As above, with words too rare to keep as bits (a town, a rare theme): they are read
/// from their postings, the rarest required one leading and the others sought.
#[test]
fn top_words_pages_are_the_best_with_rare_words() {
    let names = ["chair exercise class", "balance class", "exercise club", "tai chi"];
    let sentences = [
        "gentle exercise sitting in a chair",
        "improve your balance",
        "a friendly club",
    ];
    let mut next = random(0x1405_7b7e_f767_814f);
    let corpus = corpus(6_000, |_| {
        // "memory" and "cafe" each in a few listings, mostly together; each of 80 towns in
        // about one listing in 80, "dementia" in one in 40: fewer than a segment's share
        // kept as bits. Names of three lengths, so that a rare word's listings do not all tie.
        let name = match next(160) {
            0 | 1 => "memory cafe",
            2 => "community cafe",
            3 => "memory walk",
            _ => names[next(names.len())],
        };
        let hall = ["", " hall", " old hall"][next(3)];
        let name = format!("{name} town{}{hall}", next(80));
        let mut body = (0..1 + next(3))
            .map(|_| sentences[next(sentences.len())])
            .collect::<Vec<_>>()
            .join(" ");
        if next(40) == 0 {
            body.push_str(" dementia friendly");
        }
        (name, body)
    });
    let even = [(3.0, 1.0); 3];
    let uneven = [(2.0, 4.0), (1.5, 3.5), (5.0, 0.5)];
    let cases: [Case<'_>; 8] = [
        (&["memory", "cafe"], &even),
        (&["cafe", "memory", "club"], &uneven),
        (&["chair", "town7"], &even),
        (&["town3", "exercise", "balance"], &uneven),
        (&["dementia", "chair"], &even),
        (&["town5", "dementia"], &even),
        (&["dementia", "town2", "club"], &uneven),
        (&["club", "town11", "friendly"], &even),
    ];
    let limits: Vec<usize> = (1..=120).collect();
    assert_pages_are_the_best(&corpus, &cases, &limits);
}

/// Grouped words (a listing needs `required` of them; each word a name term and a body term)
/// over listings made from templates, where thousands tie and the threshold soon comes within
/// a few terms of every highest score added up: the candidates' covers and bounds then rule
/// most listings out. The pages of every size are the best of every listing scored by brute
/// force (each term's stock term query, added as the grouping adds them), ties by document
/// order, bit for bit.
#[test]
fn grouped_pages_are_the_best_among_templates() {
    let names = [
        "gentle chair exercise",
        "chair based exercise class",
        "balance class",
        "falls prevention exercise",
        "exercise club",
        "gentle yoga",
        "memory cafe",
    ];
    let sentences = [
        "gentle exercise sitting in a chair",
        "improve your balance after a fall",
        "a friendly club for older people",
        "prevention of falls with strength and balance exercise",
        "support for carers",
    ];
    let mut next = random(0x3c6e_f372_fe94_f82b);
    let corpus = corpus(6_000, |_| {
        let name = names[next(names.len())].to_string();
        let body = (0..1 + next(3))
            .map(|_| sentences[next(sentences.len())])
            .collect::<Vec<_>>()
            .join(" ");
        (name, body)
    });
    let searcher = corpus.index.reader().expect("reader").searcher();
    assert!(searcher.segment_readers().len() > 1);
    let caches = TermCaches::default();
    let cases: [(&[&str], usize); 5] = [
        (&["gentle", "exercise", "fall", "balance"], 2),
        (&["chair", "exercise", "class", "older", "people"], 3),
        (&["falls", "prevention", "exercise", "strength", "balance", "gentle"], 3),
        (&["memory", "cafe", "carers", "support"], 2),
        (&["club", "friendly", "yoga", "gentle", "chair", "exercise", "class"], 4),
    ];
    for (case, (words, required)) in cases.iter().enumerate() {
        // Uneven boosts, so the clauses' highest scores interleave across fields.
        let terms: Vec<(Term, Score)> = words
            .iter()
            .enumerate()
            .flat_map(|(at, word)| {
                let on_name = 1.0 + (at % 3) as f32;
                let on_body = 0.5 + (at % 2) as f32;
                [
                    (Term::from_field_text(corpus.name, word), on_name),
                    (Term::from_field_text(corpus.body, word), on_body),
                ]
            })
            .collect();
        let grouping = Grouping {
            word_of: (0..terms.len()).map(|at| Some(at / 2)).collect(),
            required: *required,
        };
        // Every listing's terms' scores, each from its stock term query.
        let mut scores: std::collections::BTreeMap<tantivy::DocAddress, Vec<(usize, Score)>> = Default::default();
        for (at, (term, boost)) in terms.iter().enumerate() {
            let query = TopWords::clause(term, *boost);
            for (score, address) in searcher.search(&query, &TopDocs::with_limit(10_000)).expect("term") {
                scores.entry(address).or_default().push((at, score));
            }
        }
        let mut ranked: Vec<(Score, tantivy::DocAddress)> = scores
            .iter()
            .filter_map(|(address, matched)| Some((grouping.score(matched.iter().copied())?, *address)))
            .collect();
        ranked.sort_by(|(a, address_a), (b, address_b)| b.total_cmp(a).then(address_a.cmp(address_b)));
        let top_words = TopWords {
            terms: terms.clone(),
            caches: caches.clone(),
            grouping: Some(Arc::new(grouping)),
            only: Vec::new(),
        };
        for limit in 1..=120 {
            let page = searcher.search(&top_words, &TopDocs::with_limit(limit)).expect("page");
            let expected: Vec<_> = ranked.iter().take(limit).map(|(s, a)| (s.to_bits(), *a)).collect();
            let found: Vec<_> = page.iter().map(|(s, a)| (s.to_bits(), *a)).collect();
            assert_eq!(found, expected, "case {case}, page of {limit}");
        }
    }
}

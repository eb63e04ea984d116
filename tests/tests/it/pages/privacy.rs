//! Nothing a resident types into the pages is written to the server's logs, even at the most
//! detailed level.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::spawn_app;

/// Log lines, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// A current-thread runtime: the server's tasks run on this thread, under this subscriber.
#[tokio::test]
async fn nothing_a_resident_types_is_written_to_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // A second dispatcher, registered for as long as the test runs. With this one alone, a
    // callsite another test's thread meets first takes its interest, and the process its
    // maximum level, from that thread's default (none: everything off), and this test's
    // events were left out now and then; with two, both are taken from every dispatcher.
    let _registered = tracing::Dispatch::new(tracing_subscriber::registry());
    let (base, _data) = spawn_app().await;
    let client = reqwest::Client::new();
    for url in [
        format!("{base}/find?where=NR19+1NY&q=zebracrossingwords"),
        format!("{base}/find?where=Zebraville&q=zebracrossingwords"),
    ] {
        let response = client.get(url).send().await.expect("get");
        assert_eq!(response.status(), 200);
    }
    let response = client
        .post(format!("{base}/find/help"))
        .form(&[("about", "zebracrossingwords and a fall"), ("where", "NR19 1NY")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    let logs = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8 logs");
    // Something was captured: the server's request spans.
    assert!(!logs.is_empty(), "nothing was captured at all");
    for typed in ["zebracrossing", "Zebraville", "NR19", "nr19"] {
        assert!(!logs.contains(typed), "{typed} is in the logs:\n{logs}");
    }
}

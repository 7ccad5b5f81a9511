use super::*;
use std::sync::Mutex;
use tokio::io::DuplexStream;

#[test]
fn the_confirmation_and_real_time_commands_are_byte_exact() {
    assert_eq!(process_id_request(42), [0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, b'0', b'0', b'4', b'2']);
    assert_eq!(process_id(123_456), *b"6456", "job numbers wrap at 9 000");
    assert_eq!(CLEAR_BUFFER, [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08]);
    assert_eq!(REALTIME_DRAWER_PULSE, [0x10, 0x14, 0x01, 0x00, 0x01]);
}

#[test]
fn wire_time_is_ten_bits_a_byte() {
    let at = |baud| PrinterConfig { baud: Some(baud), ..PrinterConfig::default() };
    assert_eq!(at(9600).wire_time(2048), Duration::from_micros(2_133_333), "2 KB at 9600 baud");
    assert_eq!(at(115_200).wire_time(2048), Duration::from_micros(177_777));
    assert_eq!(PrinterConfig::default().wire_time(2048), Duration::ZERO, "no line speed off serial");
}

/// One end of an in-memory line; the test plays the printer on the other end.
struct Pipe(Mutex<Option<DuplexStream>>);

impl Connect for Pipe {
    type Io = DuplexStream;
    async fn connect(&self) -> std::io::Result<DuplexStream> {
        self.0.lock().expect("lock").take().ok_or_else(|| std::io::Error::other("the line is gone"))
    }
}

fn quick() -> PrinterConfig {
    PrinterConfig {
        answer_timeout: Duration::from_millis(200),
        poll_interval: Duration::from_millis(50),
        print_margin: Duration::from_millis(400),
        ..PrinterConfig::default()
    }
}

fn printer_and_line() -> (EscPosPrinter<Pipe>, DuplexStream) {
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    (EscPosPrinter::new(Pipe(Mutex::new(Some(ours))), quick()), theirs)
}

/// Reads exactly `n` bytes the driver sent.
async fn expect_bytes(line: &mut DuplexStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    line.read_exact(&mut buf).await.expect("the driver sent them");
    buf
}

const ALL_GOOD: [u8; 4] = [0x12, 0x12, 0x12, 0x12];
const STATUS_ALL_BYTES: [u8; 12] = [0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4];

#[tokio::test]
async fn a_printer_out_of_paper_gets_nothing_but_the_question() {
    let (mut printer, mut line) = printer_and_line();
    let peer = tokio::spawn(async move {
        assert_eq!(expect_bytes(&mut line, 12).await, STATUS_ALL_BYTES, "DLE EOT 1-4 first");
        // Offline; offline cause: paper end; paper sensor: paper end.
        line.write_all(&[0x1A, 0x32, 0x12, 0x72]).await.expect("answer");
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_millis(100), line.read_to_end(&mut rest)).await;
        rest
    });
    let err = printer.print(b"\x1b@hello\n", 1).await.expect_err("no paper, no print");
    let PrinterError::NotReady(status) = &err else { panic!("expected NotReady, got {err:?}") };
    assert!(status.paper_out && status.offline, "{status:?}");
    assert!(!err.may_have_printed());
    assert!(err.to_string().contains("paper out"), "a sentence for the cashier: {err}");
    drop(printer);
    assert!(peer.await.expect("peer").is_empty(), "not one byte of the job was sent");
}

#[tokio::test]
async fn a_confirmed_job_returns_the_state_after_the_cut() {
    let (mut printer, mut line) = printer_and_line();
    let job = b"\x1b@receipt\n\x1dV\x42\x00".to_vec();
    let expected_job = job.clone();
    tokio::spawn(async move {
        expect_bytes(&mut line, 12).await;
        line.write_all(&ALL_GOOD).await.expect("answer");
        let sent = expect_bytes(&mut line, expected_job.len() + 11).await;
        assert_eq!(&sent[..expected_job.len()], &expected_job[..], "the job goes out unchanged");
        assert_eq!(&sent[expected_job.len()..], &process_id_request(7), "followed by the confirmation request");
        line.write_all(&[0x37, 0x22, b'0', b'0', b'0', b'7', 0x00]).await.expect("confirm");
        expect_bytes(&mut line, 12).await;
        // Paper near end after the cut.
        line.write_all(&[0x12, 0x12, 0x12, 0x1E]).await.expect("answer");
        line
    });
    let printed = printer.print(&job, 7).await.expect("confirmed");
    let after = printed.status_after.expect("the state after the cut was read");
    assert!(after.paper_near_end && after.problem().is_none(), "{after:?}");
}

#[tokio::test]
async fn paper_running_out_while_printing_clears_the_buffer_and_reports_interrupted() {
    let (mut printer, mut line) = printer_and_line();
    let job = b"\x1b@a long receipt\n".to_vec();
    let len = job.len();
    let peer = tokio::spawn(async move {
        expect_bytes(&mut line, 12).await;
        line.write_all(&ALL_GOOD).await.expect("answer");
        expect_bytes(&mut line, len + 11).await;
        // No confirmation: the paper ran out. The poll asks DLE EOT 2, 3 and 4.
        assert_eq!(expect_bytes(&mut line, 9).await, [0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4]);
        line.write_all(&[0x32, 0x12, 0x72]).await.expect("paper end");
        let cleared = expect_bytes(&mut line, CLEAR_BUFFER.len()).await;
        line.write_all(&CLEAR_RESPONSE).await.expect("cleared");
        cleared
    });
    let err = printer.print(&job, 3).await.expect_err("interrupted");
    assert!(matches!(err, PrinterError::Interrupted(s) if s.paper_out), "{err:?}");
    assert!(!err.may_have_printed(), "a receipt cut off by paper out did not come out whole");
    assert_eq!(peer.await.expect("peer"), CLEAR_BUFFER, "the rest is cleared so it never prints on its own");
}

#[tokio::test]
async fn silence_after_the_job_means_it_may_have_printed() {
    let (mut printer, mut line) = printer_and_line();
    tokio::spawn(async move {
        expect_bytes(&mut line, 12).await;
        line.write_all(&ALL_GOOD).await.expect("answer");
        // Then the cable is pulled: the line stays open but nothing ever answers.
        let mut sink = Vec::new();
        let _ = line.read_to_end(&mut sink).await;
    });
    let err = printer.print(b"\x1b@x\n", 9).await.expect_err("unconfirmed");
    assert!(matches!(err, PrinterError::Unconfirmed(_)), "{err:?}");
    assert!(err.may_have_printed(), "the queue must print it again only as a COPY");
}

#[tokio::test]
async fn a_printer_that_never_answers_is_unreachable_and_gets_no_job() {
    let (mut printer, mut line) = printer_and_line();
    let err = printer.print(b"\x1b@x\n", 1).await.expect_err("no answer");
    assert!(matches!(err, PrinterError::Unreachable(_)), "{err:?}");
    assert!(!err.may_have_printed());
    drop(printer);
    let mut sent = Vec::new();
    line.read_to_end(&mut sent).await.expect("what the driver sent");
    assert_eq!(sent, STATUS_ALL_BYTES, "only the status question, no job");
}

#[test]
fn jobs_and_the_drivers_own_kicks_never_share_a_process_id() {
    assert_eq!(process_id(8_999), *b"8999");
    assert_eq!(process_id(9_000), *b"0000", "job numbers wrap below 9000");
    let (mut printer, _line) = printer_and_line();
    let ids: Vec<[u8; 4]> = (0..1_001).map(|_| printer.own_id()).collect();
    assert!(ids.iter().all(|id| id[0] == b'9'), "the driver's own are 9000-9999");
    assert_eq!(ids[0], ids[1_000], "and wrap within that range");
}

#[tokio::test]
async fn answers_to_a_poll_that_arrive_after_the_confirmation_are_not_taken_for_the_next_question() {
    let (mut printer, mut line) = printer_and_line();
    let job = b"\x1b@slow receipt\n".to_vec();
    let len = job.len();
    tokio::spawn(async move {
        expect_bytes(&mut line, 12).await;
        line.write_all(&ALL_GOOD).await.expect("answer");
        expect_bytes(&mut line, len + 11).await;
        // A slow printer: a poll comes in before it is done; it confirms first, answers after.
        assert_eq!(expect_bytes(&mut line, 9).await, [0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4]);
        line.write_all(&[0x37, 0x22, b'0', b'0', b'0', b'5', 0x00]).await.expect("confirm");
        line.write_all(&[0x12, 0x12, 0x12]).await.expect("the poll's answers");
        // The state after the cut: drawer open (DLE EOT 1 bit 2).
        expect_bytes(&mut line, 12).await;
        line.write_all(&[0x16, 0x12, 0x12, 0x12]).await.expect("answer");
        line
    });
    let printed = printer.print(&job, 5).await.expect("confirmed");
    let after = printed.status_after.expect("read");
    assert!(after.drawer_open, "the answer to DLE EOT 1 is read as such, not a stale poll answer: {after:?}");
}

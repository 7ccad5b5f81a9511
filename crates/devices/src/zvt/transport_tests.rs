use super::*;

fn pair(framing: Framing) -> (Link<tokio::io::DuplexStream>, Link<tokio::io::DuplexStream>) {
    let (a, b) = tokio::io::duplex(4096);
    (Link::new(a, framing), Link::new(b, framing))
}

fn apdu(data: &[u8]) -> Apdu {
    Apdu { class: 0x06, instr: 0x01, data: data.to_vec() }
}

const WAIT: Duration = Duration::from_millis(2_000);

#[tokio::test]
async fn both_framings_carry_apdus_with_dle_bytes_intact() {
    for framing in [Framing::Tcp, Framing::Serial] {
        let (mut ecr, mut pt) = pair(framing);
        let sent = apdu(&[0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x49, 0x09, 0x78]);
        let (s, r) = tokio::join!(ecr.send(&sent), pt.recv(WAIT));
        s.expect("sent");
        assert_eq!(r.expect("received"), sent, "{framing:?} must deliver the APDU byte for byte");
    }
}

#[tokio::test]
async fn a_corrupt_frame_is_naked_and_sent_again() {
    let (mut ecr, mut pt) = pair(Framing::Serial);
    ecr.faults.corrupt_sends = 2;
    let sent = apdu(&[1, 2, 3]);
    let (s, r) = tokio::join!(ecr.send(&sent), pt.recv(WAIT));
    s.expect("the third attempt gets through");
    assert_eq!(r.expect("received"), sent);
}

#[tokio::test]
async fn a_line_that_keeps_corrupting_gives_up_after_three_attempts() {
    let (mut ecr, mut pt) = pair(Framing::Serial);
    ecr.faults.corrupt_sends = 10;
    let one = apdu(&[1]);
    let (s, r) = tokio::join!(ecr.send(&one), pt.recv(WAIT));
    assert_eq!(s, Err(TransportError::NoAck(3)), "retransmission is bounded");
    assert!(matches!(r, Err(TransportError::Protocol(_))), "the receiver reports the bad line: {r:?}");
}

#[tokio::test]
async fn a_receiver_that_naks_first_is_served_again() {
    let (mut ecr, mut pt) = pair(Framing::Serial);
    pt.faults.nak_receives = 1;
    let sent = apdu(&[9, 9]);
    let (s, r) = tokio::join!(ecr.send(&sent), pt.recv(WAIT));
    s.expect("sent on the second attempt");
    assert_eq!(r.expect("received"), sent);
}

#[tokio::test(start_paused = true)]
async fn silence_is_a_time_out_and_a_closed_line_is_closed() {
    let (mut ecr, pt) = pair(Framing::Tcp);
    assert_eq!(ecr.recv(Duration::from_millis(5_000)).await, Err(TransportError::Timeout));
    drop(pt);
    assert_eq!(ecr.recv(Duration::from_millis(5_000)).await, Err(TransportError::Closed));
}

#[tokio::test]
async fn a_garbled_length_is_a_protocol_error_not_a_hang() {
    let (mut pt, mut ecr) = pair(Framing::Serial);
    pt.faults.garble_next_length = true;
    let three = apdu(&[1, 2, 3]);
    let (_s, r) = tokio::join!(pt.send(&three), ecr.recv(WAIT));
    assert!(matches!(r, Err(TransportError::Protocol(_))), "a length that does not match is refused: {r:?}");
}

#[tokio::test]
async fn frames_sent_by_both_ends_at_once_cross_without_loss() {
    let (mut ecr, mut pt) = pair(Framing::Serial);
    let abort = Apdu { class: 0x06, instr: 0xB0, data: vec![] };
    let status = Apdu { class: 0x04, instr: 0xFF, data: vec![0x0A] };
    let (a, b) = tokio::join!(ecr.send(&abort), pt.send(&status));
    a.expect("the ECR's frame is acknowledged despite the crossing");
    b.expect("the terminal's frame is acknowledged despite the crossing");
    let (got_ecr, got_pt) = tokio::join!(ecr.recv(WAIT), pt.recv(WAIT));
    assert_eq!(got_ecr.expect("kept"), status, "the crossing frame is delivered by the next recv");
    assert_eq!(got_pt.expect("kept"), abort);
}

#[tokio::test]
async fn recv_ready_takes_only_what_has_fully_arrived_and_never_waits() {
    for framing in [Framing::Tcp, Framing::Serial] {
        let (mut ecr, mut pt) = pair(framing);
        assert_eq!(pt.recv_ready().await, Ok(None), "{framing:?}: nothing on the line, no waiting");
        let abort = Apdu { class: 0x06, instr: 0xB0, data: vec![] };
        let (sent, got) = tokio::join!(ecr.send(&abort), async {
            loop {
                if let Some(apdu) = pt.recv_ready().await.expect("readable") {
                    break apdu;
                }
                tokio::task::yield_now().await;
            }
        });
        sent.expect("sent and acknowledged");
        assert_eq!(got, abort, "{framing:?}: a complete APDU is returned");
    }
}

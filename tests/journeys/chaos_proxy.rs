//! A seeded, request-aware TCP proxy between the tills (and the online shop) and the back end.
//! For each HTTP request it picks, from its seed, one of: pass, delay, drop the answer (the
//! server applied the request, the caller never hears), reset the connection half-way through
//! the answer, send the request twice (the caller gets one answer), or lose the request before
//! it reaches the server. Written by hand because the faults must fall between an HTTP
//! request and its answer, which no general TCP fault tool here can aim at.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    Delay,
    DropAnswer,
    ResetMidAnswer,
    Duplicate,
    LoseRequest,
}

/// How often each fault happens, out of 100 requests.
const WEIGHTS: &[(Fault, u64)] = &[
    (Fault::Pass, 55),
    (Fault::Delay, 15),
    (Fault::DropAnswer, 8),
    (Fault::ResetMidAnswer, 8),
    (Fault::Duplicate, 8),
    (Fault::LoseRequest, 6),
];

/// SplitMix64: reproducible from the printed seed; quality is beside the point.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub struct ChaosProxy {
    pub url: String,
    faults_on: Arc<AtomicBool>,
    /// Requests seen per fault, for the report.
    pub counts: Arc<Mutex<Vec<(Fault, u64)>>>,
    pub requests: Arc<AtomicU64>,
}

impl ChaosProxy {
    pub async fn start(upstream: String, seed: u64) -> ChaosProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let faults_on = Arc::new(AtomicBool::new(true));
        let counts = Arc::new(Mutex::new(WEIGHTS.iter().map(|(f, _)| (*f, 0)).collect::<Vec<_>>()));
        let requests = Arc::new(AtomicU64::new(0));
        let rng = Arc::new(Mutex::new(Rng::new(seed)));
        let (on, c, r) = (Arc::clone(&faults_on), Arc::clone(&counts), Arc::clone(&requests));
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, on, c, r, rng) =
                    (upstream.clone(), Arc::clone(&on), Arc::clone(&c), Arc::clone(&r), Arc::clone(&rng));
                tokio::spawn(async move { serve_client(client, upstream, on, c, r, rng).await });
            }
        });
        ChaosProxy { url, faults_on, counts, requests }
    }

    /// Faults on or off (off: every request passes, e.g. to let everything drain at the end).
    pub fn set_faults(&self, on: bool) {
        self.faults_on.store(on, Ordering::SeqCst);
    }
}

/// Reads one HTTP/1.1 message (head and a Content-Length body) from `stream`; `None` at the end
/// of the connection or on anything this proxy does not understand.
async fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(Some(0), |v| v.trim().parse().ok())?;
    if head.contains("transfer-encoding: chunked") {
        return None;
    }
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    data.truncate(head_end + length);
    Some(data)
}

/// Sends one request on a new upstream connection and reads its answer.
async fn exchange(upstream: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    server.write_all(request).await.ok()?;
    read_message(&mut server).await
}

async fn serve_client(
    mut client: TcpStream,
    upstream: String,
    on: Arc<AtomicBool>,
    counts: Arc<Mutex<Vec<(Fault, u64)>>>,
    requests: Arc<AtomicU64>,
    rng: Arc<Mutex<Rng>>,
) {
    while let Some(request) = read_message(&mut client).await {
        requests.fetch_add(1, Ordering::SeqCst);
        let (fault, delay_ms) = {
            let mut rng = rng.lock().expect("rng");
            let roll = rng.below(100);
            let delay = rng.below(250);
            let mut acc = 0;
            let fault = WEIGHTS
                .iter()
                .find(|(_, w)| {
                    acc += w;
                    roll < acc
                })
                .map_or(Fault::Pass, |(f, _)| *f);
            (if on.load(Ordering::SeqCst) { fault } else { Fault::Pass }, delay)
        };
        if let Some(entry) = counts.lock().expect("counts").iter_mut().find(|(f, _)| *f == fault) {
            entry.1 += 1;
        }
        let answer = match fault {
            Fault::LoseRequest => return,
            Fault::Delay => {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                exchange(&upstream, &request).await
            }
            Fault::Duplicate => {
                let (first, second) = tokio::join!(exchange(&upstream, &request), exchange(&upstream, &request));
                second.or(first)
            }
            _ => exchange(&upstream, &request).await,
        };
        // The server is down (restarting): the caller sees its connection closed.
        let Some(answer) = answer else { return };
        match fault {
            Fault::DropAnswer => return,
            Fault::ResetMidAnswer => {
                let _ = client.write_all(&answer[..answer.len() / 2]).await;
                // A zero linger makes the close a reset (RST) and never blocks, which is what
                // the deprecation warns of for non-zero lingers.
                #[allow(deprecated)]
                let _ = client.set_linger(Some(Duration::ZERO));
                return;
            }
            _ => {
                if client.write_all(&answer).await.is_err() {
                    return;
                }
            }
        }
    }
}

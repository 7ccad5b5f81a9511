//! A TCP proxy between a terminal and the back end that can lose an answer: the request (a push,
//! a pairing) reaches the server, which applies it, and the connection is cut before the answer
//! gets back.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct FaultProxy {
    pub url: String,
    drop_next: Arc<Mutex<Option<&'static str>>>,
    pub answers_dropped: Arc<AtomicU64>,
}

impl FaultProxy {
    pub async fn start(upstream: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let drop_next = Arc::new(Mutex::new(None));
        let dropped = Arc::new(AtomicU64::new(0));
        let (d, n) = (drop_next.clone(), dropped.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                tokio::spawn(relay(client, server, d.clone(), n.clone()));
            }
        });
        FaultProxy { url, drop_next, answers_dropped: dropped }
    }

    /// The answer to the next `POST /v1/events` is lost.
    pub fn drop_next_push_answer(&self) {
        self.drop_next_answer_to("POST /v1/events");
    }

    /// The answer to the next request whose first line starts with `request` is lost.
    pub fn drop_next_answer_to(&self, request: &'static str) {
        *self.drop_next.lock().expect("lock") = Some(request);
    }
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    drop_next: Arc<Mutex<Option<&'static str>>>,
    dropped: Arc<AtomicU64>,
) {
    let (mut client_in, mut client_out) = client.into_split();
    let (mut server_in, mut server_out) = server.into_split();
    let armed = Arc::new(AtomicBool::new(false));
    let arm = armed.clone();
    let upstream = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_in.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            {
                let mut next = drop_next.lock().expect("lock");
                if next.is_some_and(|prefix| buf[..n].starts_with(prefix.as_bytes())) {
                    *next = None;
                    arm.store(true, Ordering::SeqCst);
                }
            }
            if server_out.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match server_in.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if armed.load(Ordering::SeqCst) {
            // The server answered: cut the line before the terminal hears it.
            dropped.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if client_out.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    upstream.abort();
}

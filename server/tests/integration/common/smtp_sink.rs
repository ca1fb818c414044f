//! A real SMTP server on loopback that keeps what it receives: enough of
//! RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for lettre.
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The message as a reader sees it: quoted-printable undone (lines
    /// joined where they were wrapped, `=XX` bytes decoded).
    pub fn text(&self) -> String {
        let decoded = quoted_printable::decode(&self.data, quoted_printable::ParseMode::Robust).unwrap_or_else(|_| self.data.clone().into_bytes());
        String::from_utf8_lossy(&decoded).into_owned()
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<ReceivedMail>>>,
    /// While set, every connection is refused with a 421 (the server is
    /// "down" the way SMTP says it: try again later).
    down: Arc<AtomicBool>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp sink");
        let port = listener.local_addr().expect("addr").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        let down = Arc::new(AtomicBool::new(false));
        let refusing = down.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                let refuse = refusing.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    if refuse {
                        let _ = write.write_all(b"421 sink is down, try again later\r\n").await;
                        return;
                    }
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP ready\r\n").await;
                    let (mut from, mut to, mut in_data, mut data) = (String::new(), Vec::new(), false, String::new());
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                store.lock().unwrap().push(ReceivedMail { from: from.clone(), to: to.clone(), data: data.clone() });
                                data.clear();
                                let _ = write.write_all(b"250 queued\r\n").await;
                            } else {
                                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                                data.push('\n');
                            }
                            continue;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") || upper.starts_with("RSET") {
                            b"250 ok\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            from = line[10..].trim().to_string();
                            to.clear();
                            b"250 ok\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 ok\r\n"
                        } else if upper == "DATA" {
                            in_data = true;
                            b"354 end with .\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"502 not implemented\r\n"
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink { port, mails, down }
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn received(&self, to: &str) -> usize {
        self.mails_to(to).len()
    }

    /// Every mail to `to` received so far, oldest first.
    pub fn mails_to(&self, to: &str) -> Vec<ReceivedMail> {
        self.mails.lock().unwrap().iter().filter(|m| m.to.iter().any(|t| t == to)).cloned().collect()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits briefly for a mail to `to` and returns it.
    pub async fn wait_for(&self, to: &str) -> ReceivedMail {
        for _ in 0..100 {
            if let Some(mail) = self.mails.lock().unwrap().iter().rev().find(|m| m.to.iter().any(|t| t == to)) {
                return mail.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail to {to} arrived at the SMTP sink");
    }
}

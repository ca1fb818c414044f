//! Open connections per client address, capped. Timeouts bound how long
//! a connection lasts; this bounds how many one host holds at once, so a
//! single machine cannot take every file descriptor by opening connections
//! and keeping each barely alive. IPv6 clients count per /64, which one
//! subscriber usually holds whole. Trusted proxies are not limited: every
//! client behind them shares their address (and a server listening on
//! loopback only is not limited at all: see `startup`).
use std::{
    collections::HashMap,
    future::{ready, Ready},
    io,
    net::IpAddr,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
};

use axum_server::accept::Accept;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};

use crate::{config::TrustedProxy, metrics::Metrics};

/// The counts, shared by every accepted connection.
#[derive(Debug)]
pub struct PerAddress {
    max: usize,
    exempt: Vec<TrustedProxy>,
    open: Mutex<HashMap<IpAddr, usize>>,
    metrics: Arc<Metrics>,
    /// When a refusal was last logged (Unix seconds): once a minute.
    last_logged: AtomicU64,
}

impl PerAddress {
    pub fn new(max: usize, exempt: Vec<TrustedProxy>, metrics: Arc<Metrics>) -> Arc<PerAddress> {
        Arc::new(PerAddress { max, exempt, open: Mutex::default(), metrics, last_logged: AtomicU64::new(0) })
    }

    /// A slot for a connection from `peer`, or None when it holds `max`.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        let peer = peer.to_canonical();
        if self.exempt.iter().any(|p| p.contains(&peer)) {
            return Some(Slot { counts: None, key: peer });
        }
        let key = match peer {
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
            v4 => v4,
        };
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= self.max {
            self.metrics.connection_refused();
            self.log_refusal(peer);
            return None;
        }
        *count += 1;
        Some(Slot { counts: Some(self.clone()), key })
    }

    /// A proxy left out of USNH_TRUSTED_PROXIES looks like one busy host:
    /// say so, once a minute at most (every refusal is in the metrics).
    fn log_refusal(&self, peer: IpAddr) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let last = self.last_logged.load(Ordering::Relaxed);
        if now >= last + 60 && self.last_logged.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            tracing::warn!(
                %peer,
                max = self.max,
                "refused connections from an address that holds USNH_MAX_CONNECTIONS_PER_ADDRESS; if it is a proxy, add it to USNH_TRUSTED_PROXIES"
            );
        }
    }
}

/// One admitted connection; its count goes when it is dropped.
#[derive(Debug)]
struct Slot {
    counts: Option<Arc<PerAddress>>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(counts) = &self.counts else { return };
        let mut open = counts.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Accepts a connection within the limit, with TCP_NODELAY (without it,
/// responses written in pieces stall ~40 ms); TLS, when served, comes
/// after: a host over its limit gets no handshake either.
#[derive(Debug, Clone)]
pub struct LimitAcceptor {
    counts: Arc<PerAddress>,
}

impl LimitAcceptor {
    pub fn new(counts: Arc<PerAddress>) -> LimitAcceptor {
        LimitAcceptor { counts }
    }
}

impl<S> Accept<TcpStream, S> for LimitAcceptor {
    type Stream = Counted;
    type Service = S;
    type Future = Ready<io::Result<(Counted, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        // An error drops the stream, which closes it at once.
        let admitted = stream.peer_addr().and_then(|peer| {
            self.counts.admit(peer.ip()).ok_or_else(|| io::Error::other("too many connections from one address"))
        });
        ready(admitted.and_then(|slot| stream.set_nodelay(true).map(|()| (Counted { stream, _slot: slot }, service))))
    }
}

/// A connection that holds its slot until it closes.
#[derive(Debug)]
pub struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_per_ipv6_64() {
        let counts = PerAddress::new(2, vec!["10.0.0.0/8".parse().unwrap()], Arc::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let (first, second) = (counts.admit(a).unwrap(), counts.admit(a).unwrap());
        assert!(counts.admit(a).is_none(), "a third from one address");
        assert!(counts.admit("192.0.2.2".parse().unwrap()).is_some(), "another address has its own");
        drop(first);
        assert!(counts.admit(a).is_some(), "a closed connection frees its slot");
        drop(second);

        let held: Vec<_> = ["2001:db8::1", "2001:db8::2:3"].iter().map(|v| counts.admit(v.parse().unwrap()).unwrap()).collect();
        assert!(counts.admit("2001:db8::ffff".parse().unwrap()).is_none(), "one /64");
        assert!(counts.admit("2001:db8:0:1::1".parse().unwrap()).is_some(), "the next /64");
        drop(held);

        let proxy: Vec<_> = (0..5).map(|_| counts.admit("10.1.2.3".parse().unwrap()).unwrap()).collect();
        assert_eq!(proxy.len(), 5, "a trusted proxy is not limited");

        let _both = (counts.admit(a).unwrap(), counts.admit(a).unwrap());
        assert!(counts.admit("::ffff:192.0.2.1".parse().unwrap()).is_none(), "the same host through a dual-stack socket");
    }
}

//! HTTPS for the sandbox: the certificate (PEM files, or a self-signed one made at start and
//! written to a temporary file) and the accept loop that serves the router over TLS.
//!
//! HTTP/1.1 only, as the plain path: the official SDKs speak it, so the recorded request
//! shapes are the same over http:// and https://.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use super::SandboxError;

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept (out of file descriptors, say) before the next one.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// The names the self-signed certificate is valid for.
const SELF_SIGNED_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// Where the sandbox's TLS certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SandboxTls {
    /// A certificate for 127.0.0.1 and localhost, made at start: see
    /// [`Sandbox::ca_pem_path`](super::Sandbox::ca_pem_path).
    SelfSigned,
    /// A PEM certificate chain and its PEM private key.
    Files {
        /// The certificate chain, the server's certificate first.
        cert: PathBuf,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
}

/// What serving TLS needs: the acceptor, and the certificate a client should trust.
pub(crate) struct Tls {
    /// Accepts TLS connections with the certificate.
    pub acceptor: TlsAcceptor,
    /// The PEM file of the certificate.
    pub ca_pem: CaPem,
}

/// The PEM file a client trusts; removed on drop when the sandbox wrote it.
#[derive(Debug)]
pub(crate) struct CaPem {
    /// Where it is.
    path: PathBuf,
    /// The sandbox wrote it (self-signed) and removes it.
    temporary: bool,
}

impl CaPem {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaPem {
    fn drop(&mut self) {
        if self.temporary
            && let Err(error) = std::fs::remove_file(&self.path)
        {
            tracing::warn!(path = %self.path.display(), %error, "sandbox: could not remove the certificate");
        }
    }
}

/// Loads or makes the certificate; `port` names the self-signed certificate's file.
pub(crate) fn prepare(tls: &SandboxTls, port: u16) -> Result<Tls, SandboxError> {
    let (config, ca_pem) = match tls {
        SandboxTls::SelfSigned => {
            let (cert, key, ca_pem) = self_signed(port)?;
            let config = server_config(vec![cert], key).map_err(SandboxError::Tls)?;
            (config, ca_pem)
        }
        SandboxTls::Files { cert, key } => {
            let config = server_config(read_certs(cert)?, read_key(key)?).map_err(|e| match e {
                rustls::Error::InconsistentKeys(_) => SandboxError::KeyMismatch {
                    cert: cert.clone(),
                    key: key.clone(),
                },
                other => SandboxError::Tls(other),
            })?;
            let ca_pem = CaPem {
                path: cert.clone(),
                temporary: false,
            };
            (config, ca_pem)
        }
    };
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem,
    })
}

/// rustls on ring, TLS 1.2 and 1.3, no client certificates, HTTP/1.1 by ALPN.
fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Every certificate of a PEM file; none is an error.
fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, SandboxError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|certs| !certs.is_empty())
        .ok_or_else(|| SandboxError::NotACertificate {
            path: path.to_owned(),
        })?;
    Ok(certs)
}

/// The first private key of a PEM file.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, SandboxError> {
    let pem = read(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|_| SandboxError::NotAKey {
        path: path.to_owned(),
    })
}

/// A file's bytes.
fn read(path: &Path) -> Result<Vec<u8>, SandboxError> {
    std::fs::read(path).map_err(|source| SandboxError::ReadFile {
        path: path.to_owned(),
        source,
    })
}

/// A fresh ECDSA P-256 certificate for 127.0.0.1 and localhost, its key, and its PEM file
/// (`meetjoin-sandbox-<pid>-<port>-<random>.pem` in the temporary directory).
fn self_signed(
    port: u16,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>, CaPem), SandboxError> {
    let failed = |e: rcgen::Error| SandboxError::SelfSigned(e.to_string());
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|&n| n.to_owned()).collect();
    let mut params = rcgen::CertificateParams::new(names).map_err(failed)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "meetjoin sandbox");
    let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let cert = params.self_signed(&key_pair).map_err(failed)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));

    let random = uuid::Uuid::new_v4().simple().to_string();
    let name = format!(
        "meetjoin-sandbox-{}-{port}-{}.pem",
        std::process::id(),
        &random[..8]
    );
    let path = std::env::temp_dir().join(name);
    // `create_new`: never write through a file (or link) someone else put there.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| file.write_all(cert.pem().as_bytes()))
        .map_err(|source| SandboxError::WriteCert {
            path: path.clone(),
            source,
        })?;
    let ca_pem = CaPem {
        path,
        temporary: true,
    };
    Ok((cert.der().clone(), key, ca_pem))
}

/// Serves `app` over TLS until `stopped` fires (or its sender is dropped), then stops
/// accepting and waits for open connections to finish. A failed handshake ends only its own
/// connection.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "sandbox: accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let (acceptor, app, watcher) = (acceptor.clone(), app.clone(), graceful.watcher());
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => {
                    tracing::debug!(%peer, %error, "sandbox: TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "sandbox: TLS handshake timed out");
                    return;
                }
            };
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app));
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%peer, %error, "sandbox: connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

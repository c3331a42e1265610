//! TLS with a CA file (a private deployment's own CA, `--ca-file`): the platform's verifier
//! with the file's certificates as extra roots, as reqwest builds it, plus the one case webpki
//! always refuses and curl accepts.
//!
//! `openssl req -x509 … -subj /CN=host -addext subjectAltName=…`, the usual way to make a
//! server's self-signed certificate, marks it `CA:TRUE`; webpki refuses such a certificate as a
//! server's own (`CaUsedAsEndEntity`), even when it is the very certificate the user trusts.
//! [`CaFileVerifier`] accepts the server's certificate when it is byte for byte one of the CA
//! file's, and still checks its name and validity; every other refusal stands. Verification
//! is never switched off: the handshake's signatures are the platform verifier's to check.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// A verifier that also trusts a server whose own certificate is one of the CA file's.
#[derive(Debug)]
pub(crate) struct CaFileVerifier {
    /// What decides every other case: the platform's verifier with the CA file as extra roots.
    inner: Arc<dyn ServerCertVerifier>,
    /// The CA file's certificates, as they are.
    trusted: Vec<CertificateDer<'static>>,
}

impl CaFileVerifier {
    /// `inner` decides, except for a server presenting one of `trusted` itself.
    pub(crate) fn new(
        inner: Arc<dyn ServerCertVerifier>,
        trusted: Vec<CertificateDer<'static>>,
    ) -> CaFileVerifier {
        CaFileVerifier { inner, trusted }
    }
}

impl ServerCertVerifier for CaFileVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refused = match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(refused) => refused,
        };
        if !self
            .trusted
            .iter()
            .any(|trusted| trusted.as_ref() == end_entity.as_ref())
        {
            return Err(refused);
        }
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        check_validity(end_entity, now)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// Refuses a certificate outside its validity period at `now`.
fn check_validity(cert: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let validity = parsed.validity();
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if now < validity.not_before.timestamp() {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet,
        ))
    } else if now > validity.not_after.timestamp() {
        Err(rustls::Error::InvalidCertificate(CertificateError::Expired))
    } else {
        Ok(())
    }
}

/// The TLS configuration of a client trusting `ca_file` besides the system's roots: TLS 1.2
/// and 1.3 on ring, ALPN h2 then http/1.1, as reqwest's own.
pub(crate) fn client_config(
    ca_file: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let platform = rustls_platform_verifier::Verifier::new_with_extra_roots(
        ca_file.clone(),
        provider.clone(),
    )?;
    let verifier = CaFileVerifier::new(Arc::new(platform), ca_file);
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
#[cfg(feature = "sandbox")]
mod tests {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::RootCertStore;
    use rustls::client::WebPkiServerVerifier;

    use super::*;

    /// A self-signed certificate for `names`, CA:TRUE as openssl makes it, valid from the
    /// start of year `from` to the start of year `to`.
    fn self_signed(names: &[&str], from: i32, to: i32) -> CertificateDer<'static> {
        let names: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(to, 1, 1);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        params.self_signed(&key).expect("certificate").der().clone()
    }

    /// The CA file verifier over plain webpki with `trusted` as its only roots.
    fn verifier(trusted: &[CertificateDer<'static>]) -> CaFileVerifier {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for cert in trusted {
            roots.add(cert.clone()).expect("a root");
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("webpki verifier");
        CaFileVerifier::new(inner, trusted.to_vec())
    }

    fn verify(
        verifier: &dyn ServerCertVerifier,
        cert: &CertificateDer<'static>,
        name: &str,
    ) -> Result<(), rustls::Error> {
        let name = ServerName::try_from(name.to_owned()).expect("a name");
        verifier
            .verify_server_cert(cert, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    #[test]
    fn the_ca_file_s_own_certificate_is_accepted_with_its_name_and_dates_checked() {
        let cert = self_signed(&["127.0.0.1", "host.example"], 2020, 2090);
        let verifier = verifier(std::slice::from_ref(&cert));
        // webpki alone refuses it: a CA certificate as the server's own.
        assert!(
            verify(verifier.inner.as_ref(), &cert, "127.0.0.1").is_err(),
            "webpki alone accepted a CA:TRUE server certificate"
        );
        assert_eq!(verify(&verifier, &cert, "127.0.0.1"), Ok(()));
        assert_eq!(verify(&verifier, &cert, "host.example"), Ok(()));
        assert!(matches!(
            verify(&verifier, &cert, "other.example"),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ));
    }

    #[test]
    fn an_expired_or_future_certificate_is_refused_even_from_the_ca_file() {
        let expired = self_signed(&["127.0.0.1"], 2015, 2020);
        assert_eq!(
            verify(
                &verifier(std::slice::from_ref(&expired)),
                &expired,
                "127.0.0.1"
            ),
            Err(rustls::Error::InvalidCertificate(CertificateError::Expired))
        );
        let future = self_signed(&["127.0.0.1"], 2090, 2095);
        assert_eq!(
            verify(
                &verifier(std::slice::from_ref(&future)),
                &future,
                "127.0.0.1"
            ),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidYet
            ))
        );
    }

    #[test]
    fn the_configuration_keeps_alpn_and_sni() {
        let config =
            client_config(vec![self_signed(&["127.0.0.1"], 2020, 2090)]).expect("a configuration");
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(config.enable_sni);
    }

    #[test]
    fn a_certificate_not_in_the_file_keeps_the_platform_s_refusal() {
        let trusted = self_signed(&["127.0.0.1"], 2020, 2090);
        let stranger = self_signed(&["127.0.0.1"], 2020, 2090);
        let verifier = verifier(std::slice::from_ref(&trusted));
        let refused = verify(&verifier, &stranger, "127.0.0.1");
        assert!(refused.is_err());
        // Compared as text: rustls's `Other` errors are never equal to each other.
        assert_eq!(
            format!("{refused:?}"),
            format!(
                "{:?}",
                verify(verifier.inner.as_ref(), &stranger, "127.0.0.1")
            ),
            "the same refusal as without the exception"
        );
    }
}

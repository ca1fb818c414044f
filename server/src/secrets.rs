//! Secrets a first run needs, generated once and kept in the data directory.
use std::{fs, io::Write, path::Path};

use rand::RngCore;

use crate::StartupError;

pub const KEY_FILE: &str = "secret.key";

/// Key material for signing tokens and codes.
#[derive(Clone)]
pub struct Secrets {
    pub signing_key: [u8; 32],
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(<hidden>)")
    }
}

impl Secrets {
    /// Uses the configured key, or the one in `data_dir`, or makes one there.
    pub fn load_or_generate(configured: Option<&str>, data_dir: &Path) -> Result<Secrets, StartupError> {
        if let Some(hex_key) = configured {
            return Ok(Secrets { signing_key: key_from_hex(hex_key, "USNH_SECRET_KEY")? });
        }
        let path = data_dir.join(KEY_FILE);
        let dir_error = |e: std::io::Error| StartupError::DataDir {
            path: data_dir.display().to_string(),
            reason: e.to_string(),
        };
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Secrets { signing_key: key_from_hex(text.trim(), &path.display().to_string())? }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_private(&path, hex::encode(key).as_bytes()).map_err(dir_error)?;
                tracing::info!(path = %path.display(), "generated a new secret key; keep it private and back it up with the database");
                Ok(Secrets { signing_key: key })
            }
            Err(e) => Err(dir_error(e)),
        }
    }
}

fn key_from_hex(text: &str, source: &str) -> Result<[u8; 32], StartupError> {
    let bytes = hex::decode(text).map_err(|_| {
        StartupError::Config(format!("{source} does not hold a hex key"))
    })?;
    bytes.get(..32).and_then(|b| b.try_into().ok()).ok_or_else(|| {
        StartupError::Config(format!("{source} holds a key shorter than 32 bytes"))
    })
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Makes sure `dir` exists and can be written, with a clear error if not.
pub fn ensure_data_dir(dir: &Path) -> Result<(), StartupError> {
    let err = |e: std::io::Error| StartupError::DataDir {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    fs::create_dir_all(dir).map_err(err)?;
    let probe = dir.join(".write-test");
    fs::write(&probe, b"ok").map_err(err)?;
    let _ = fs::remove_file(probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secrets::load_or_generate(None, dir.path()).unwrap();
        let second = Secrets::load_or_generate(None, dir.path()).unwrap();
        assert_eq!(first.signing_key, second.signing_key);
    }
}

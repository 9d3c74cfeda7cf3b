//! Deterministic media bodies: the same path always yields the same bytes,
//! which start with the magic bytes of the path's extension so that a
//! client sniffing the type gets a plausible file.

use sha2::{Digest, Sha256};

/// Smallest body length in bytes.
pub const MIN_MEDIA_LEN: usize = 1024;

/// Largest body length in bytes.
pub const MAX_MEDIA_LEN: usize = 40 * 1024;

/// A media body and its `Content-Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaBody {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Returns the body served for `path` (without its query string). The
/// length lies between `MIN_MEDIA_LEN` and `MAX_MEDIA_LEN`, both included.
pub fn media_body(path: &str) -> MediaBody {
    let seed = Sha256::digest(path.as_bytes());
    let span = (MAX_MEDIA_LEN - MIN_MEDIA_LEN + 1) as u64;
    let mut length_bytes = [0u8; 8];
    length_bytes.copy_from_slice(&seed[..8]);
    let len = MIN_MEDIA_LEN + (u64::from_le_bytes(length_bytes) % span) as usize;
    media_body_of_len(path, len)
}

/// Returns the body served for `path` with exactly `len` bytes (at least
/// the length of the type's magic bytes).
pub fn media_body_of_len(path: &str, len: usize) -> MediaBody {
    let seed = Sha256::digest(path.as_bytes());
    let (content_type, magic) = magic_for(path, len);
    let mut bytes = magic;
    let mut counter: u64 = 0;
    while bytes.len() < len {
        let mut block = Sha256::new();
        block.update(seed);
        block.update(counter.to_le_bytes());
        bytes.extend_from_slice(&block.finalize());
        counter += 1;
    }
    bytes.truncate(len);
    MediaBody {
        content_type,
        bytes,
    }
}

/// Returns the lowercase extension of the last path segment, if any.
fn extension(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// Returns the `Content-Type` and leading bytes for a body of `len` bytes.
fn magic_for(path: &str, len: usize) -> (&'static str, Vec<u8>) {
    match extension(path).as_deref() {
        Some("jpg" | "jpeg" | "pnj") => (
            "image/jpeg",
            vec![
                0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
            ],
        ),
        Some("png") => (
            "image/png",
            vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
        ),
        Some("gif") => ("image/gif", b"GIF89a".to_vec()),
        // Tumblr serves `.gifv` as animated WebP.
        Some("webp" | "gifv") => {
            // The RIFF size field counts every byte after itself.
            let riff_size = u32::try_from(len - 8).unwrap_or(u32::MAX);
            let mut magic = b"RIFF".to_vec();
            magic.extend_from_slice(&riff_size.to_le_bytes());
            magic.extend_from_slice(b"WEBP");
            ("image/webp", magic)
        }
        Some("mp4") => (
            "video/mp4",
            // An `ftyp` box of 24 bytes: major brand isom, minor version
            // 0x200, compatible brands isom and iso2.
            vec![
                0x00, 0x00, 0x00, 0x18, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm', 0x00, 0x00,
                0x02, 0x00, b'i', b's', b'o', b'm', b'i', b's', b'o', b'2',
            ],
        ),
        // An ID3v2.4 tag header with no frames.
        Some("mp3") => (
            "audio/mpeg",
            vec![b'I', b'D', b'3', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        ),
        _ => ("application/octet-stream", Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_body_deterministic() {
        let first = media_body("/abc/tumblr_x_1280.jpg");
        let second = media_body("/abc/tumblr_x_1280.jpg");
        assert_eq!(first, second, "the same path must give the same body");
        let other = media_body("/abc/tumblr_x_640.jpg");
        assert_ne!(
            first.bytes, other.bytes,
            "different paths must give different bodies"
        );
    }

    #[test]
    fn media_body_magic_by_extension() {
        let cases: [(&str, &str, &[u8]); 7] = [
            ("/a.jpg", "image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]),
            ("/a.JPEG", "image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]),
            (
                "/a.png",
                "image/png",
                &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            ),
            ("/a.gif", "image/gif", b"GIF89a"),
            ("/a.webp", "image/webp", b"RIFF"),
            ("/a.mp3", "audio/mpeg", b"ID3"),
            ("/dir.jpg/noext", "application/octet-stream", &[]),
        ];
        for (path, content_type, magic) in cases {
            let body = media_body(path);
            assert_eq!(body.content_type, content_type, "content type of {path}");
            assert!(body.bytes.starts_with(magic), "magic bytes of {path}");
        }

        let webp = media_body("/a.webp");
        assert_eq!(&webp.bytes[8..12], b"WEBP", "WebP form type");
        let riff_size =
            u32::from_le_bytes([webp.bytes[4], webp.bytes[5], webp.bytes[6], webp.bytes[7]]);
        assert_eq!(riff_size as usize, webp.bytes.len() - 8, "RIFF size field");

        let mp4 = media_body("/v/tumblr_x_720.mp4");
        assert_eq!(mp4.content_type, "video/mp4", "mp4 content type");
        assert_eq!(&mp4.bytes[4..12], b"ftypisom", "mp4 ftyp box");
    }

    #[test]
    fn media_body_length_bounds() {
        let mut lengths = Vec::new();
        for i in 0..200 {
            let len = media_body(&format!("/bounds/{i}.png")).bytes.len();
            assert!(
                len >= MIN_MEDIA_LEN,
                "length {len} of path {i} is below the minimum"
            );
            assert!(
                len <= MAX_MEDIA_LEN,
                "length {len} of path {i} is above the maximum"
            );
            lengths.push(len);
        }
        lengths.sort_unstable();
        lengths.dedup();
        assert!(
            lengths.len() > 100,
            "lengths must vary with the path, got {} distinct",
            lengths.len()
        );
    }
}

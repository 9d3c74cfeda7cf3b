//! Recognises a media file from its first bytes: the type, which decides
//! the file extension, and the pixel size where the header states it.

/// Type and size that the first bytes of a file show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    /// File extension for the type, without the dot.
    pub extension: &'static str,
    pub dimensions: Option<(u32, u32)>,
}

/// Bytes of the file start that `sniff` reads at most.
pub const HEAD_BYTES: usize = 256 * 1024;

/// Identifies JPEG, PNG, GIF, WebP, MP4/MOV, WebM, MP3, Ogg, WAV and M4A
/// data. Returns none for anything else, HTML error pages included.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    let found = |extension, dimensions| {
        Some(Sniffed {
            extension,
            dimensions,
        })
    };
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return found("jpg", jpeg_dimensions(head));
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return found("png", be_pair(head, 16));
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        let dimensions = (head.len() >= 10).then(|| {
            (
                u32::from(u16::from_le_bytes([head[6], head[7]])),
                u32::from(u16::from_le_bytes([head[8], head[9]])),
            )
        });
        return found("gif", dimensions);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return found("webp", webp_dimensions(head));
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return found("wav", None);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        let extension = match brand {
            b"M4A " | b"M4B " => "m4a",
            b"qt  " => "mov",
            b"avif" | b"avis" => "avif",
            b"heic" | b"heix" | b"mif1" | b"msf1" => "heic",
            _ => "mp4",
        };
        return found(extension, None);
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return found("webm", None);
    }
    if head.starts_with(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
        return found("mp3", None);
    }
    if head.starts_with(b"OggS") {
        return found("ogg", None);
    }
    None
}

fn be_pair(head: &[u8], offset: usize) -> Option<(u32, u32)> {
    let bytes = head.get(offset..offset + 8)?;
    let width = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let height = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    Some((width, height))
}

/// Walks JPEG segments to the first start-of-frame marker.
fn jpeg_dimensions(head: &[u8]) -> Option<(u32, u32)> {
    let mut position = 2;
    while position + 9 < head.len() {
        if head[position] != 0xFF {
            return None;
        }
        let marker = head[position + 1];
        if marker == 0xFF {
            position += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([head[position + 2], head[position + 3]]));
        let start_of_frame =
            matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if start_of_frame {
            let height = u16::from_be_bytes([head[position + 5], head[position + 6]]);
            let width = u16::from_be_bytes([head[position + 7], head[position + 8]]);
            return Some((u32::from(width), u32::from(height)));
        }
        if length < 2 {
            return None;
        }
        position += 2 + length;
    }
    None
}

fn webp_dimensions(head: &[u8]) -> Option<(u32, u32)> {
    let chunk = head.get(12..16)?;
    let le24 = |offset: usize| -> Option<u32> {
        let bytes = head.get(offset..offset + 3)?;
        Some(u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16)
    };
    match chunk {
        b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
        b"VP8 " => {
            let bytes = head.get(26..30)?;
            let width = u16::from_le_bytes([bytes[0], bytes[1]]) & 0x3FFF;
            let height = u16::from_le_bytes([bytes[2], bytes[3]]) & 0x3FFF;
            Some((u32::from(width), u32::from(height)))
        }
        b"VP8L" => {
            let bytes = head.get(21..25)?;
            let bits = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        _ => None,
    }
}

/// Returns whether the bytes are an HTML or XML page, such as an error page sent
/// with status 200, rather than media.
pub fn looks_like_markup(head: &[u8]) -> bool {
    let start: Vec<u8> = head
        .iter()
        .take(1024)
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .collect();
    if start.first() != Some(&b'<') {
        return false;
    }
    let lower = String::from_utf8_lossy(&start).to_ascii_lowercase();
    [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<?xml",
        "<title",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// Returns whether two extensions name the same type (`jpeg` and `jpg`, any case).
pub fn same_type(left: &str, right: &str) -> bool {
    let normalize = |extension: &str| match extension.to_ascii_lowercase().as_str() {
        "jpeg" | "jpe" | "pnj" => "jpg".to_string(),
        "gifv" => "gif".to_string(),
        other => other.to_string(),
    };
    normalize(left) == normalize(right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_size_read() {
        let mut head = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        head.extend_from_slice(&640u32.to_be_bytes());
        head.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(
            sniff(&head),
            Some(Sniffed {
                extension: "png",
                dimensions: Some((640, 480))
            })
        );
    }

    #[test]
    fn gif_size_read() {
        let head = b"GIF89a\x40\x01\xf0\x00rest";
        assert_eq!(
            sniff(head),
            Some(Sniffed {
                extension: "gif",
                dimensions: Some((320, 240))
            })
        );
    }

    #[test]
    fn jpeg_size_after_app_segment() {
        let mut head = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        head.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03]);
        assert_eq!(
            sniff(&head),
            Some(Sniffed {
                extension: "jpg",
                dimensions: Some((640, 480))
            })
        );
    }

    #[test]
    fn webp_and_video_types() {
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x7F, 0x02, 0x00, 0xDF, 0x01, 0x00]);
        assert_eq!(
            sniff(&webp),
            Some(Sniffed {
                extension: "webp",
                dimensions: Some((640, 480))
            })
        );
        assert_eq!(
            sniff(b"\0\0\0\x20ftypisom\0\0").map(|found| found.extension),
            Some("mp4")
        );
        assert_eq!(
            sniff(b"ID3\x04\0\0").map(|found| found.extension),
            Some("mp3")
        );
    }

    #[test]
    fn markup_detected() {
        assert!(looks_like_markup(b"  <!DOCTYPE html><html>"));
        assert!(looks_like_markup(b"<html><body>404</body></html>"));
        assert!(!looks_like_markup(b"GIF89a"));
        assert!(!looks_like_markup(b"random filler bytes"));
    }

    #[test]
    fn avif_not_video() {
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0").map(|found| found.extension),
            Some("avif")
        );
    }

    #[test]
    fn html_not_media() {
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), None);
        assert_eq!(sniff(b"<html><body>404</body></html>"), None);
    }

    #[test]
    fn extension_aliases() {
        assert!(same_type("JPEG", "jpg"));
        assert!(same_type("gifv", "gif"));
        assert!(!same_type("png", "jpg"));
    }
}

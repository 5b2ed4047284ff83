//! Uploaded bike photos: recognised by their content (never by file name or
//! the browser's content type), decoded under memory limits, and re-encoded
//! so that nothing but pixels (and the colour profile) survives — no EXIF,
//! no GPS position, no camera serial number — at a size a web page needs.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use crate::domain::records::Photo;
use crate::transfer::photos::{Photos, Source};

use bytes::Bytes;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

/// SPEC §4: an uploaded photo is at most 5 MB.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Stored photos fit in this square: sharp on a large screen, small in the database.
pub const MAX_SIDE: u32 = 1600;
/// A 5 MB file cannot honestly hold more; larger claimed sizes are refused
/// before any pixel memory is allocated (a "decompression bomb").
const MAX_SOURCE_SIDE: u32 = 12_000;
/// Memory the decoder may use for one photo: a 24-megapixel camera JPEG
/// needs 72 MiB.
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;
/// SPEC §6: a colour profile is kept only when it is well formed and at most
/// this large; real camera and screen profiles are a few kilobytes.
pub const MAX_ICC_BYTES: usize = 64 * 1024;

/// Thumbnails fit this square: sharp in a catalogue card (about 300 CSS
/// pixels wide) on a screen with two device pixels to one.
pub const THUMBNAIL_SIDE: u32 = 640;

/// A photo chosen on a bike form that was rejected for another field, held
/// so that the corrected form can be saved without choosing it again.
#[derive(Debug, Clone)]
pub struct HeldPhoto {
    pub bytes: Bytes,
    /// The file's name, for the form to show (at most 100 characters).
    pub name: String,
}

pub type HeldPhotos = crate::held::HeldUploads<HeldPhoto>;

/// Long enough to fix a field and send the form again; 32 photos of at
/// most 5 MB, 64 MB in all, over every account.
pub const HELD_PHOTO_LIMITS: crate::held::Limits = crate::held::Limits {
    lifetime: std::time::Duration::from_secs(10 * 60),
    max_held: 32,
    max_bytes: 64 * 1024 * 1024,
};

/// The formats a photo may arrive in, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    WebP,
}

impl Format {
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Format::WebP)
        } else {
            None
        }
    }

    fn decoder_format(self) -> ImageFormat {
        match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Gif => ImageFormat::Gif,
            Format::WebP => ImageFormat::WebP,
        }
    }
}

/// Why a file was refused; `Display` is the sentence shown beside the
/// form's photo field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("This photo is {} MB; the largest allowed is 5 MB. Choose a smaller photo.", megabytes(*.0))]
    TooLarge(usize),
    #[error(
        "This file is not a JPEG, PNG, GIF or WebP image. Choose a photo in one of those formats."
    )]
    NotAnImage,
    #[error(
        "This image is {0} × {1} pixels, too many to handle. Choose a photo of at most {MAX_SOURCE_SIDE} pixels on each side."
    )]
    TooManyPixels(u32, u32),
    #[error(
        "This image is {0} × {1} pixels, too many to handle at once. Choose a photo of at most {2} megapixels."
    )]
    TooManyMegapixels(u32, u32, u64),
    #[error(
        "This image could not be read: the file may be damaged. Try saving it again as JPEG or PNG."
    )]
    Unreadable,
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// The checks that need no decoding: size and format. Run on every upload
/// so a rejected form reports a bad file together with its other mistakes.
pub fn precheck(bytes: &[u8]) -> Result<Format, UploadError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge(bytes.len()));
    }
    Format::sniff(bytes).ok_or(UploadError::NotAnImage)
}

/// Checks, decodes and re-encodes one upload. CPU-heavy and blocking: call
/// it through [`PhotoWorkers::process`].
///
/// Output formats: a JPEG stays JPEG (quality 85); PNG and GIF become PNG,
/// keeping sharp edges and transparency (a GIF keeps its first frame only);
/// WebP becomes JPEG when it is opaque (usually a photo) and PNG when it has
/// transparency, since the image crate writes only lossless WebP, which
/// would be several times larger.
pub fn process(bytes: &[u8]) -> Result<Photo, UploadError> {
    let format = precheck(bytes)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.decoder_format());
    reader.limits(limits.clone());
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| refused(e, bytes, format))?;
    if limits.reserve(decoder.total_bytes()).is_err() {
        let (width, height) = decoder.dimensions();
        let per_pixel = u64::from(decoder.color_type().bytes_per_pixel()).max(1);
        let most = MAX_DECODE_BYTES / per_pixel / 1_000_000;
        return Err(UploadError::TooManyMegapixels(width, height, most));
    }
    // Phones store photos sideways and say "rotate me" in EXIF; that note is
    // about to be dropped, so the rotation is applied to the pixels instead.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc_profile = decoder
        .icc_profile()
        .ok()
        .flatten()
        .filter(|p| is_sound_icc(p));
    // The whole picture fits the memory allowed (checked above): a limit
    // met now is a frame larger than the picture it belongs to (a GIF can
    // say so), which is a damaged file, not a large one.
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| UploadError::Unreadable)?;
    picture.apply_orientation(orientation);
    let picture = fit_within(picture, MAX_SIDE);
    let thumbnail = fit_within(picture.clone(), THUMBNAIL_SIDE);

    let as_png = match format {
        Format::Jpeg => false,
        Format::Png | Format::Gif => true,
        Format::WebP => picture.color().has_alpha(),
    };
    let (content_type, data) =
        encode(&picture, as_png, icc_profile.clone()).ok_or(UploadError::Unreadable)?;
    let (_, thumbnail) = encode(&thumbnail, as_png, icc_profile).ok_or(UploadError::Unreadable)?;
    Ok(Photo {
        content_type,
        data,
        thumbnail,
    })
}

/// True for an ICC profile worth keeping: at most [`MAX_ICC_BYTES`], with
/// the `acsp` signature, the length its header declares, and a tag table
/// whose every tag lies inside it. Anything else (a "profile" of HTML, a
/// megabyte of padding) is dropped, and the photo shows in sRGB.
fn is_sound_icc(profile: &[u8]) -> bool {
    let word = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = profile.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_be_bytes(bytes)).ok()
    };
    let sound = || -> Option<bool> {
        if profile.len() > MAX_ICC_BYTES || profile.len() < 132 {
            return Some(false);
        }
        if word(0)? != profile.len() || profile.get(36..40)? != b"acsp" {
            return Some(false);
        }
        let tags = word(128)?;
        let table_end = 132usize.checked_add(tags.checked_mul(12)?)?;
        if table_end > profile.len() {
            return Some(false);
        }
        for tag in 0..tags {
            let entry = 132 + tag * 12;
            let (offset, size) = (word(entry + 4)?, word(entry + 8)?);
            if offset.checked_add(size)? > profile.len() {
                return Some(false);
            }
        }
        Some(true)
    };
    sound().unwrap_or(false)
}

/// A decoder error as the user's problem: too many pixels, or a damaged file.
fn refused(err: image::ImageError, bytes: &[u8], format: Format) -> UploadError {
    match err {
        image::ImageError::Limits(_) => {
            let dimensions = ImageReader::with_format(Cursor::new(bytes), format.decoder_format())
                .into_dimensions();
            match dimensions {
                Ok((width, height)) => UploadError::TooManyPixels(width, height),
                Err(_) => UploadError::Unreadable,
            }
        }
        _ => UploadError::Unreadable,
    }
}

/// Scales down (never up) to fit a `side` × `side` square, keeping the
/// aspect ratio. Big reductions are first box-averaged to twice the target,
/// which is fast and light on memory; the filtered resize then works on a
/// small image.
fn fit_within(picture: DynamicImage, side: u32) -> DynamicImage {
    if picture.width() <= side && picture.height() <= side {
        return picture;
    }
    let picture = if picture.width() > 2 * side || picture.height() > 2 * side {
        picture.thumbnail(2 * side, 2 * side)
    } else {
        picture
    };
    picture.resize(side, side, FilterType::CatmullRom)
}

/// The picture as PNG or JPEG: (content type, bytes).
fn encode(
    picture: &DynamicImage,
    as_png: bool,
    icc_profile: Option<Vec<u8>>,
) -> Option<(&'static str, Vec<u8>)> {
    let mut data = Vec::new();
    if as_png {
        let pixels = if picture.color().has_alpha() {
            DynamicImage::ImageRgba8(picture.to_rgba8())
        } else {
            DynamicImage::ImageRgb8(picture.to_rgb8())
        };
        let mut encoder = image::codecs::png::PngEncoder::new_with_quality(
            &mut data,
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::Adaptive,
        );
        // The colour profile is kept so colours look as the photographer saw
        // them; it says nothing about who or where.
        if let Some(icc) = icc_profile {
            let _ = encoder.set_icc_profile(icc);
        }
        pixels.write_with_encoder(encoder).ok()?;
        Some(("image/png", data))
    } else {
        let pixels = DynamicImage::ImageRgb8(picture.to_rgb8());
        let mut encoder =
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, JPEG_QUALITY);
        if let Some(icc) = icc_profile {
            let _ = encoder.set_icc_profile(icc);
        }
        pixels.write_with_encoder(encoder).ok()?;
        Some(("image/jpeg", data))
    }
}

/// Runs [`process`] off the async executor, a few photos at a time: each
/// may briefly need a hundred megabytes or more, so a burst of uploads
/// queues instead of exhausting memory or starving page requests.
#[derive(Clone)]
pub struct PhotoWorkers {
    turns: Arc<Semaphore>,
}

impl Default for PhotoWorkers {
    fn default() -> Self {
        PhotoWorkers {
            turns: Arc::new(Semaphore::new(2)),
        }
    }
}

impl PhotoWorkers {
    pub async fn process(&self, bytes: Bytes) -> Result<Photo, UploadError> {
        // The semaphore is never closed, so waiting for a turn cannot fail.
        let _turn = self
            .turns
            .acquire()
            .await
            .expect("photo semaphore is never closed");
        // A decoder that panics on a hostile file has refused that file.
        tokio::task::spawn_blocking(move || process(&bytes))
            .await
            .unwrap_or(Err(UploadError::Unreadable))
    }
}

/// Finds and processes every photo an import names (see
/// `transfer::photos`), exactly as [`process`] does an upload: blocking,
/// on `threads` threads of its own. Each photo is processed during a turn
/// taken from `turn` (the server's [`PhotoWorkers`], so an import and the
/// upload forms share one bound; nothing on the command line). Reading
/// from the source goes one file at a time; `progress` hears the photos done.
pub fn process_named<T>(
    source: Option<Source>,
    names: Vec<String>,
    threads: usize,
    turn: impl Fn() -> T + Sync,
    progress: &(dyn Fn(u64) + Sync),
) -> Photos {
    let Some(source) = source else {
        return Photos::default();
    };
    let queue = Mutex::new((source, names.into_iter()));
    let done = Mutex::new(HashMap::new());
    let next = || {
        let mut queue = queue.lock().unwrap_or_else(|p| p.into_inner());
        let (source, names) = &mut *queue;
        let name = names.next()?;
        let bytes = source.read(&name, MAX_UPLOAD_BYTES as u64);
        Some((name, bytes))
    };
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while let Some((name, bytes)) = next() {
                    let photo = bytes.and_then(|bytes| {
                        let _turn = turn();
                        // A decoder that panics on a hostile file has
                        // refused that file, as for an upload.
                        std::panic::catch_unwind(|| process(&bytes))
                            .unwrap_or(Err(UploadError::Unreadable))
                            .map(Arc::new)
                            .map_err(|e| e.to_string())
                    });
                    let mut done = done.lock().unwrap_or_else(|p| p.into_inner());
                    done.insert(name, photo);
                    progress(done.len() as u64);
                }
            });
        }
    });
    Photos {
        given: true,
        by_name: done.into_inner().unwrap_or_else(|p| p.into_inner()),
    }
}

impl PhotoWorkers {
    /// [`process_named`] off the async executor, two threads taking turns
    /// with the uploads.
    pub async fn process_named(&self, source: Option<Source>, names: Vec<String>) -> Photos {
        let turns = Arc::clone(&self.turns);
        let runtime = tokio::runtime::Handle::current();
        let no_progress = |_| {};
        tokio::task::spawn_blocking(move || {
            process_named(
                source,
                names,
                2,
                || runtime.block_on(Arc::clone(&turns).acquire_owned()).ok(),
                &no_progress,
            )
        })
        .await
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn encoded(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn gradient(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }))
    }

    fn dimensions(photo: &Photo) -> (u32, u32) {
        let picture = image::load_from_memory(&photo.data).unwrap();
        (picture.width(), picture.height())
    }

    /// A JPEG carrying an EXIF block with an orientation and a GPS marker.
    fn jpeg_with_exif(picture: &DynamicImage, orientation: u16) -> Vec<u8> {
        let jpeg = encoded(picture, ImageFormat::Jpeg);
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(b"\0\0\0\0\0\0GPS 51.5007N 0.1246W");
        let mut segment = b"Exif\0\0".to_vec();
        segment.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&segment);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn formats_are_recognised_by_their_first_bytes() {
        assert_eq!(
            Format::sniff(&encoded(&gradient(4, 4), ImageFormat::Jpeg)),
            Some(Format::Jpeg)
        );
        assert_eq!(
            Format::sniff(&encoded(&gradient(4, 4), ImageFormat::Png)),
            Some(Format::Png)
        );
        assert_eq!(
            Format::sniff(&encoded(&gradient(4, 4), ImageFormat::Gif)),
            Some(Format::Gif)
        );
        assert_eq!(
            Format::sniff(&encoded(&gradient(4, 4), ImageFormat::WebP)),
            Some(Format::WebP)
        );
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
    }

    #[test]
    fn a_text_file_named_like_an_image_is_refused() {
        assert_eq!(
            process(b"just some notes, saved as photo.png\n"),
            Err(UploadError::NotAnImage)
        );
        assert_eq!(process(b""), Err(UploadError::NotAnImage));
        assert_eq!(
            process(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(UploadError::NotAnImage)
        );
    }

    #[test]
    fn files_over_5_mb_are_refused_before_decoding() {
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert_eq!(
            process(&big),
            Err(UploadError::TooLarge(MAX_UPLOAD_BYTES + 1))
        );
        assert!(
            UploadError::TooLarge(MAX_UPLOAD_BYTES + 1)
                .to_string()
                .contains("5.0 MB; the largest allowed is 5 MB")
        );
    }

    #[test]
    fn a_damaged_file_with_the_right_first_bytes_is_refused() {
        let mut png = encoded(&gradient(32, 32), ImageFormat::Png);
        png.truncate(40);
        assert_eq!(process(&png), Err(UploadError::Unreadable));
        assert_eq!(
            process(b"\xFF\xD8\xFF\xE0garbage garbage"),
            Err(UploadError::Unreadable)
        );
    }

    #[test]
    fn a_decompression_bomb_is_refused_by_its_header() {
        // A real 1×1 PNG whose header is rewritten to claim 60000 × 60000
        // pixels (10 GB of memory), with a valid checksum.
        let mut png = encoded(&gradient(1, 1), ImageFormat::Png);
        png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = crc32fast::hash(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            process(&png),
            Err(UploadError::TooManyPixels(60_000, 60_000))
        );
    }

    /// A small, well-formed ICC profile: header, one tag inside it.
    fn sound_profile() -> Vec<u8> {
        let mut profile = vec![0u8; 160];
        profile[0..4].copy_from_slice(&160u32.to_be_bytes());
        profile[36..40].copy_from_slice(b"acsp");
        profile[128..132].copy_from_slice(&1u32.to_be_bytes());
        profile[132..136].copy_from_slice(b"desc");
        profile[136..140].copy_from_slice(&144u32.to_be_bytes());
        profile[140..144].copy_from_slice(&16u32.to_be_bytes());
        profile
    }

    /// A megabyte of HTML posing as a colour profile.
    fn html_profile() -> Vec<u8> {
        b"<script>alert(1)</script>".repeat(42_000)
    }

    fn with_profile(picture: &DynamicImage, format: ImageFormat, icc: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        let pixels = DynamicImage::ImageRgb8(picture.to_rgb8());
        if format == ImageFormat::Png {
            let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
            encoder.set_icc_profile(icc).unwrap();
            pixels.write_with_encoder(encoder).unwrap();
        } else {
            let mut encoder = image::codecs::jpeg::JpegEncoder::new(&mut out);
            encoder.set_icc_profile(icc).unwrap();
            pixels.write_with_encoder(encoder).unwrap();
        }
        out
    }

    fn profile_of(bytes: &[u8]) -> Option<Vec<u8>> {
        let mut decoder = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        decoder.icc_profile().unwrap()
    }

    #[test]
    fn a_megabyte_icc_profile_is_dropped_from_the_photo_and_its_thumbnail() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let upload = with_profile(&gradient(64, 48), format, html_profile());
            assert_eq!(
                profile_of(&upload).map(|p| p.len()),
                Some(html_profile().len())
            );
            let photo = process(&upload).unwrap();
            assert_eq!(profile_of(&photo.data), None, "{format:?}");
            assert_eq!(profile_of(&photo.thumbnail), None, "{format:?}");
            assert!(photo.thumbnail.len() < 20_000, "{}", photo.thumbnail.len());
        }
    }

    #[test]
    fn a_sound_small_icc_profile_is_kept_and_a_malformed_one_dropped() {
        let upload = with_profile(&gradient(64, 48), ImageFormat::Jpeg, sound_profile());
        assert_eq!(
            profile_of(&process(&upload).unwrap().data),
            Some(sound_profile())
        );
        let mut lying = sound_profile();
        lying[0..4].copy_from_slice(&4000u32.to_be_bytes());
        let mut tag_outside = sound_profile();
        tag_outside[136..140].copy_from_slice(&150u32.to_be_bytes());
        let mut no_signature = sound_profile();
        no_signature[36..40].copy_from_slice(b"html");
        for bad in [lying, tag_outside, no_signature] {
            let upload = with_profile(&gradient(64, 48), ImageFormat::Jpeg, bad);
            assert_eq!(profile_of(&process(&upload).unwrap().data), None);
        }
    }

    #[test]
    fn an_image_within_the_side_limit_but_too_many_megapixels_says_so() {
        // A real JPEG whose frame header is rewritten to claim 11000 × 11000.
        let mut jpeg = encoded(&gradient(16, 16), ImageFormat::Jpeg);
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("a baseline frame header");
        jpeg[sof + 5..sof + 7].copy_from_slice(&11_000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&11_000u16.to_be_bytes());
        let refused = process(&jpeg).unwrap_err();
        assert_eq!(refused, UploadError::TooManyMegapixels(11_000, 11_000, 44));
        let message = refused.to_string();
        assert!(message.contains("11000 × 11000") && message.contains("at most 44 megapixels"));
        assert!(!message.contains("on each side"), "{message}");
    }

    #[test]
    fn a_gif_frame_larger_than_its_canvas_is_a_damaged_file_not_a_large_one() {
        let mut gif = encoded(&gradient(600, 600), ImageFormat::Gif);
        // The logical screen (the canvas) says 1 × 1; the frame stays 600 × 600.
        gif[6..8].copy_from_slice(&1u16.to_le_bytes());
        gif[8..10].copy_from_slice(&1u16.to_le_bytes());
        match process(&gif) {
            Ok(photo) => assert!(dimensions(&photo).0 >= 1),
            Err(refused) => assert_eq!(refused, UploadError::Unreadable, "{refused}"),
        }
    }

    #[test]
    fn png_stays_png_and_keeps_transparency() {
        let picture =
            DynamicImage::ImageRgba8(RgbaImage::from_pixel(10, 8, Rgba([200, 10, 10, 100])));
        let photo = process(&encoded(&picture, ImageFormat::Png)).unwrap();
        assert_eq!(photo.content_type, "image/png");
        let back = image::load_from_memory(&photo.data).unwrap();
        assert_eq!((back.width(), back.height()), (10, 8));
        assert_eq!(back.to_rgba8().get_pixel(3, 3), &Rgba([200, 10, 10, 100]));
    }

    #[test]
    fn jpeg_stays_jpeg() {
        let photo = process(&encoded(&gradient(40, 30), ImageFormat::Jpeg)).unwrap();
        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!(dimensions(&photo), (40, 30));
    }

    #[test]
    fn gif_becomes_png_and_opaque_webp_becomes_jpeg() {
        let gif = process(&encoded(&gradient(12, 12), ImageFormat::Gif)).unwrap();
        assert_eq!(gif.content_type, "image/png");
        let webp = process(&encoded(&gradient(12, 12), ImageFormat::WebP)).unwrap();
        assert_eq!(webp.content_type, "image/jpeg");
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(6, 6, Rgba([0, 0, 0, 0])));
        assert_eq!(
            process(&encoded(&clear, ImageFormat::WebP))
                .unwrap()
                .content_type,
            "image/png"
        );
    }

    #[test]
    fn large_photos_are_scaled_to_fit_1600_pixels_keeping_their_shape() {
        let wide = process(&encoded(&gradient(4000, 1000), ImageFormat::Jpeg)).unwrap();
        assert_eq!(dimensions(&wide), (1600, 400));
        let tall = process(&encoded(&gradient(900, 1800), ImageFormat::Png)).unwrap();
        assert_eq!(dimensions(&tall), (800, 1600));
        let small = process(&encoded(&gradient(300, 200), ImageFormat::Png)).unwrap();
        assert_eq!(dimensions(&small), (300, 200), "never scaled up");
    }

    #[test]
    fn exif_and_gps_are_removed_and_the_rotation_applied() {
        let upload = jpeg_with_exif(&gradient(40, 20), 6);
        assert!(upload.windows(4).any(|w| w == b"Exif"));
        assert!(upload.windows(3).any(|w| w == b"GPS"));
        let photo = process(&upload).unwrap();
        assert!(
            !photo.data.windows(4).any(|w| w == b"Exif"),
            "no EXIF block"
        );
        assert!(!photo.data.windows(3).any(|w| w == b"GPS"), "no GPS text");
        assert_eq!(
            dimensions(&photo),
            (20, 40),
            "orientation 6 = turned a quarter, so width and height swap"
        );
    }
}

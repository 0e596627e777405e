//! A minimal live Matroska writer: one Motion-JPEG video track whose frames carry their own
//! millisecond timestamps. ffmpeg reads it from a pipe, so a video's timing is the page's, not
//! the moment ffmpeg got round to reading a frame (which, on a busy machine, can be a second
//! late and bunch frames together).
//!
//! The segment's size is left unknown (it is a stream); every frame is a cluster of its own,
//! whose size is known, holding its timestamp and one key-frame block.

use std::io::Write;

const EBML: u32 = 0x1A45_DFA3;
const EBML_VERSION: u32 = 0x4286;
const EBML_READ_VERSION: u32 = 0x42F7;
const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
const DOC_TYPE: u32 = 0x4282;
const DOC_TYPE_VERSION: u32 = 0x4287;
const DOC_TYPE_READ_VERSION: u32 = 0x4285;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const MUXING_APP: u32 = 0x4D80;
const WRITING_APP: u32 = 0x5741;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_UID: u32 = 0x73C5;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;

/// An element size meaning "until the stream ends".
const UNKNOWN_SIZE: [u8; 8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// Nanoseconds per timestamp unit: timestamps are in milliseconds.
const NANOSECONDS_PER_TICK: u64 = 1_000_000;

/// Writes the stream's header: the file type, the time unit, and the one video track.
pub fn write_header(out: &mut impl Write, width: u32, height: u32) -> std::io::Result<()> {
    let header = element(
        EBML,
        &[
            uint(EBML_VERSION, 1),
            uint(EBML_READ_VERSION, 1),
            uint(EBML_MAX_ID_LENGTH, 4),
            uint(EBML_MAX_SIZE_LENGTH, 8),
            element(DOC_TYPE, &[b"matroska".to_vec()]),
            uint(DOC_TYPE_VERSION, 4),
            uint(DOC_TYPE_READ_VERSION, 2),
        ],
    );
    let info = element(
        INFO,
        &[
            uint(TIMESTAMP_SCALE, NANOSECONDS_PER_TICK),
            element(MUXING_APP, &[b"skyvern".to_vec()]),
            element(WRITING_APP, &[b"skyvern".to_vec()]),
        ],
    );
    let video = element(VIDEO, &[uint(PIXEL_WIDTH, u64::from(width)), uint(PIXEL_HEIGHT, u64::from(height))]);
    let track = element(
        TRACK_ENTRY,
        &[
            uint(TRACK_NUMBER, 1),
            uint(TRACK_UID, 1),
            uint(TRACK_TYPE, 1),
            element(CODEC_ID, &[b"V_MJPEG".to_vec()]),
            video,
        ],
    );
    out.write_all(&header)?;
    out.write_all(&id(SEGMENT))?;
    out.write_all(&UNKNOWN_SIZE)?;
    out.write_all(&info)?;
    out.write_all(&element(TRACKS, &[track]))
}

/// Writes one JPEG shown from `at_ms` (milliseconds since the stream began).
pub fn write_frame(out: &mut impl Write, at_ms: u64, jpeg: &[u8]) -> std::io::Result<()> {
    // Track 1, no offset from the cluster's timestamp, a key frame.
    let block_header = [0x81, 0x00, 0x00, 0x80];
    let block_size = block_header.len() + jpeg.len();
    let mut block = id(SIMPLE_BLOCK);
    block.extend(size(block_size as u64));
    let timestamp = uint(CLUSTER_TIMESTAMP, at_ms);
    let mut cluster = id(CLUSTER);
    cluster.extend(size((timestamp.len() + block.len() + block_size) as u64));
    cluster.extend(timestamp);
    cluster.extend(block);
    cluster.extend(block_header);
    out.write_all(&cluster)?;
    out.write_all(jpeg)
}

/// An element whose body is `children`, concatenated.
fn element(element_id: u32, children: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = children.concat();
    let mut bytes = id(element_id);
    bytes.extend(size(body.len() as u64));
    bytes.extend(body);
    bytes
}

/// An unsigned-integer element, in as few bytes as the value needs.
fn uint(element_id: u32, value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
    element(element_id, &[bytes[first..].to_vec()])
}

/// An element id is written as it is, without its leading zero bytes (its first byte says its length).
fn id(element_id: u32) -> Vec<u8> {
    let bytes = element_id.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    bytes[first..].to_vec()
}

/// A size as an EBML variable-length integer: always 8 bytes, which every size fits.
fn size(value: u64) -> [u8; 8] {
    let mut bytes = value.to_be_bytes();
    bytes[0] = 0x01;
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_written_with_their_id_and_size() {
        assert_eq!(id(CLUSTER), [0x1F, 0x43, 0xB6, 0x75]);
        assert_eq!(id(TRACK_TYPE), [0x83]);
        assert_eq!(uint(TRACK_TYPE, 1), [0x83, 0x01, 0, 0, 0, 0, 0, 0, 0x01, 0x01]);
        assert_eq!(uint(PIXEL_WIDTH, 1280), [0xB0, 0x01, 0, 0, 0, 0, 0, 0, 0x02, 0x05, 0x00]);
        let mut frame = Vec::new();
        write_frame(&mut frame, 1500, b"JPEG").unwrap();
        // The cluster: its id and size (a timestamp of 11 bytes, a block of 9 + 8), then the timestamp.
        assert_eq!(&frame[..4], id(CLUSTER));
        assert_eq!(u64::from_be_bytes(frame[4..12].try_into().unwrap()) & 0x00FF_FFFF_FFFF_FFFF, 11 + 9 + 8);
        assert_eq!(&frame[12..13], [0xE7]);
        assert_eq!(&frame[21..23], 1500u16.to_be_bytes());
        assert!(frame.ends_with(&[0x81, 0x00, 0x00, 0x80, b'J', b'P', b'E', b'G']));
    }
}

//! `GET /admin/export.csv`: the catalogue as a spreadsheet download,
//! streamed: a blocking reader writes the CSV in chunks into a small
//! channel, and the response sends each chunk as it comes, so a million
//! bikes never sit in memory at once and a cancelled download stops the
//! reader.

use std::io::Write;

use bytes::Bytes;
use tokio::sync::mpsc;
use warp::Reply;
use warp::reply::Response;

use super::AdminRequest;
use crate::error::AppError;
use crate::transfer::export::{self, ExportError};

/// Bytes per chunk sent; chunks waiting in the channel at most.
const CHUNK: usize = 64 * 1024;
const CHUNKS_WAITING: usize = 4;

type Chunk = Result<Bytes, std::io::Error>;

pub async fn export_csv(request: AdminRequest) -> Result<Response, AppError> {
    let (sender, mut receiver) = mpsc::channel::<Chunk>(CHUNKS_WAITING);
    let db = request.state.db.clone();
    tokio::spawn(async move {
        let on_failure = sender.clone();
        let written = db
            .read(move |conn| {
                match export::write_csv(conn, ChannelWriter::new(sender)) {
                    Ok(_) => Ok(()),
                    Err(ExportError::Db(err)) => Err(err),
                    // The download was cancelled: nobody is left to tell.
                    Err(ExportError::Write(_)) => Ok(()),
                }
            })
            .await;
        if let Err(err) = written {
            tracing::error!("error: export: {err}");
            // Ends the response with an error, so the browser reports a
            // failed download instead of saving a file cut short.
            let _ = on_failure
                .send(Err(std::io::Error::other("the export failed")))
                .await;
        }
    });
    let chunks = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let mut response = warp::reply::stream(chunks).into_response();
    crate::reply::attachment(
        &mut response,
        "text/csv; charset=utf-8",
        "motodex-bikes",
        "csv",
    );
    Ok(response)
}

/// A `Write` that sends what it is given through the channel, in chunks of
/// [`CHUNK`] bytes. It runs on a blocking thread (inside `Db::read`), where
/// waiting for room in the channel is allowed.
struct ChannelWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Chunk>,
}

impl ChannelWriter {
    fn new(sender: mpsc::Sender<Chunk>) -> ChannelWriter {
        ChannelWriter {
            buffer: Vec::with_capacity(CHUNK),
            sender,
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

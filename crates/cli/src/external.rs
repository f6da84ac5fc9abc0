//! An external stage: a program that reads one Arrow IPC stream on stdin and
//! writes one on stdout. The runner starts the program once per batch, so it
//! may be written without any state and runs in parallel like a built-in
//! stage.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use newsflow_core::{Error, Result, Stage, conform, ipc, schema, stage::extend_schema};

/// A stage backed by an external program.
#[derive(Debug)]
pub struct ExternalStage {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    adds: Vec<schema::Column>,
    timeout: Duration,
    workdir: PathBuf,
}

impl ExternalStage {
    /// `program` runs with `args` in `workdir`; `adds` are the columns it
    /// promises to add to every batch.
    pub fn new(
        name: &str,
        program: PathBuf,
        args: Vec<String>,
        adds: Vec<schema::Column>,
        timeout: Duration,
        workdir: PathBuf,
    ) -> Self {
        ExternalStage {
            name: name.to_string(),
            program,
            args,
            adds,
            timeout,
            workdir,
        }
    }

    fn fail(&self, problem: String) -> Error {
        Error::External {
            stage: self.name.clone(),
            problem,
        }
    }

    fn call(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .current_dir(&self.workdir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.fail(format!("`{}` could not start: {e}", self.program.display())))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let writer = std::thread::spawn(move || {
            // A program that exits without reading its input closes the pipe:
            // that is reported through its exit status or output, not here.
            let _ = stdin.write_all(&input);
        });
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).map(|_| out)
        });
        let err_reader = std::thread::spawn(move || {
            let mut err = Vec::new();
            let _ = stderr.read_to_end(&mut err);
            err
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(self.fail(format!(
                        "timed out after {} s and was killed",
                        self.timeout.as_secs_f64()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(self.fail(format!("could not be waited for: {e}"))),
            }
        };
        let _ = writer.join();
        let out = reader
            .join()
            .map_err(|_| self.fail("output reader panicked".into()))?
            .map_err(|e| self.fail(format!("output could not be read: {e}")))?;
        let err = err_reader.join().unwrap_or_default();
        if !status.success() {
            let tail = String::from_utf8_lossy(&err);
            let last = tail.trim_end().lines().last().unwrap_or("").trim();
            return Err(self.fail(format!(
                "failed ({status}){}",
                if last.is_empty() {
                    String::new()
                } else {
                    format!(": {last}")
                }
            )));
        }
        Ok(out)
    }
}

impl Stage for ExternalStage {
    fn name(&self) -> &str {
        &self.name
    }

    fn output_schema(&self, input: &SchemaRef) -> Result<SchemaRef> {
        Ok(extend_schema(input, &self.adds))
    }

    fn process(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let expected = self.output_schema(&batch.schema())?;
        let bytes = ipc::to_bytes(&self.name, &batch.schema(), std::slice::from_ref(&batch))?;
        let out = self.call(bytes)?;
        if out.is_empty() {
            return Err(self.fail("wrote nothing to stdout".into()));
        }
        let mut batches = Vec::new();
        for b in ipc::read_stream(&self.name, out.as_slice())? {
            batches.push(b?);
        }
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        if rows != batch.num_rows() {
            return Err(Error::RowCount {
                stage: self.name.clone(),
                expected: batch.num_rows(),
                found: rows,
            });
        }
        let mut conformed = Vec::with_capacity(batches.len());
        for b in batches {
            conformed.push(conform(&self.name, b, &expected)?);
        }
        match conformed.len() {
            1 => Ok(conformed.pop().expect("one batch")),
            _ => arrow_select::concat::concat_batches(&expected, &conformed)
                .map_err(|e| Error::arrow(&self.name, e)),
        }
    }
}

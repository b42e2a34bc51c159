// Oracle for spillway's event package: the seed's wire types (shared/seed/audit.rs)
// behind serde_json and chrono. See README.md.
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read, Write};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallEvent {
    pub ts: String,
    pub call_id: String,
    pub tool_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_id: Option<String>,
    pub granted_capabilities: Vec<String>,
    pub duration_ms: u64,
    pub outcome: Outcome,
    pub tier: String,
    pub dry_run: bool,
    pub schema_version: u32,
    #[serde(default)]
    pub secrets_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_provenance: Option<Vec<CapProvenance>>,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapProvenance {
    pub cap: String,
    pub source: ProvSource,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProvSource {
    StringAllowList,
    UcanChain { issuer_did: String, chain_depth: u8 },
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Success,
    ExecutionFailed { code: String, retryable: bool },
    InvalidArgs { message: String },
    CapabilityDenied { missing: Vec<String> },
    RateLimited { retry_after_ms: Option<u64> },
    ToolNotFound,
}

fn main() {
    let mode = std::env::args().nth(1).unwrap();
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).unwrap();
    let out = std::io::stdout();
    let mut out = out.lock();
    match mode.as_str() {
        "decode" => {
            // one input per line, hex-free: lines split on \n
            for line in input.split(|b| *b == b'\n') {
                if line.is_empty() || line[0] == b'#' { continue; }
                match serde_json::from_slice::<CallEvent>(line) {
                    Ok(e) => { out.write_all(b"OK ").unwrap(); out.write_all(&serde_json::to_vec(&e).unwrap()).unwrap(); }
                    Err(err) => { write!(out, "ERR {}", err).unwrap(); }
                }
                out.write_all(b"\n").unwrap();
            }
        }
        "time" => {
            for line in input.lines() {
                let line = line.unwrap();
                let mut it = line.split_whitespace();
                let secs: i64 = it.next().unwrap().parse().unwrap();
                let nanos: u32 = it.next().unwrap().parse().unwrap();
                let dt = chrono::NaiveDateTime::from_timestamp_opt(secs, nanos).unwrap();
                let dt = chrono::DateTime::<chrono::Utc>::from_utc(dt, chrono::Utc);
                writeln!(out, "{}", dt.to_rfc3339()).unwrap();
            }
        }
        _ => panic!("mode"),
    }
}

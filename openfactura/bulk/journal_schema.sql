-- The bulk journal: what a batch sent, and what came of it (SQLite, WAL mode).
--
-- One file per batch: `client.documents.emit_many(documents, journal="run.db")`. The
-- runner writes an entry's key, durably, *before* its request leaves, then the outcome;
-- `openfactura.bulk.reconcile` and `openfactura.bulk.wait` add what they find. Opening the
-- file again resumes the batch: finished entries are skipped, unfinished ones are sent
-- again with the same Idempotency-Key.
--
-- Applied by openfactura/bulk/_journal.py (PRAGMA user_version = 1). Times are epoch
-- seconds of the journal's clock (`Journal(clock=...)`, default `time.time`).

-- Facts about the batch, one row each:
--   identity  the batch identity in the keys of documents without an id
--   source    JSON {"format", "path", "identity", "count", "options"} of the input file, if any
--   runs      how many runs (emit_many calls) used this journal
--   created   when the journal was created
CREATE TABLE IF NOT EXISTS batch (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per document of the batch, keyed by its Idempotency-Key.
CREATE TABLE IF NOT EXISTS entry (
    key           TEXT PRIMARY KEY,  -- the Idempotency-Key: the caller's id, or bulk-<identity>-<position>
    idx           INTEGER NOT NULL,  -- 0-based order in the input
    line          INTEGER,           -- line in the input file (readers), else NULL
    business_id   TEXT,              -- the caller's id for the document, if any
    run           INTEGER NOT NULL,  -- the last run that took this input (finds repeated ids)
    state         TEXT NOT NULL,     -- sending | issued | already_issued | invalid | failed
                                     -- | unknown | not_found | released
    attempts      INTEGER NOT NULL DEFAULT 0,  -- requests started for this key, all runs
    maybe_sent_at REAL,              -- oldest attempt that may have reached the API with no
                                     -- verdict yet (NULL: none). Past the API's 24 h window a
                                     -- re-send could duplicate: such an entry waits for reconcile
    updated_at    REAL NOT NULL,
    digest        TEXT,              -- sha256 of what was (or would be) sent
    tipo_dte      INTEGER,           -- what reconcile searches the issued list by:
    fch_emis      TEXT,              --   type, issue date,
    rut_recep     TEXT,              --   receiver's RUT
    mnt_total     INTEGER,           --   and total amount
    token         TEXT,              -- the document's token (issued, already_issued)
    folio         INTEGER,
    warning       TEXT,              -- the API's WARNING, if any
    error         TEXT,              -- JSON {"type", "code", "status", "message", "details": [[field, issue]...]}
    reconciled    INTEGER NOT NULL DEFAULT 0,  -- 1: state set by reconcile, not by an answer
    sii_status    TEXT,              -- last SII status seen by wait (Aceptado, Rechazado...)
    sii_final     INTEGER,           -- 1 when that status is final
    status_at     REAL,
    pdf_path      TEXT,              -- files saved by wait(save_to=...)
    xml_path      TEXT
);

CREATE INDEX IF NOT EXISTS entry_by_state ON entry (state);
CREATE INDEX IF NOT EXISTS entry_by_idx ON entry (idx);
CREATE INDEX IF NOT EXISTS entry_by_token ON entry (token);

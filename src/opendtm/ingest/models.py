"""Import batches, their stored reports and the cleaning log of corrections.

A batch is one committed import of one file into one round (or, for a dated form such as the
event tracking form or the flow monitoring registry, into the operation alone); a dry run
writes none. Every stored
assessment points at the batch it came from, so a figure can name the files behind it, and the
batch keeps those files as received (compressed), so a row's raw values can be read back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from opendtm.ingest.choices import JobState, Severity


class ImportBatch(models.Model):
    """One committed import of a field export: which file, which form version, who, and counts.

    rows_read = rows_accepted + rows_rejected always; accepted rows are new, replaced or
    unchanged; flagged rows are accepted rows with warnings.
    """

    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.PROTECT, related_name="import_batches"
    )
    # Null for a dated form (events, `dtm_ett`): its rows belong to no round.
    round = models.ForeignKey(
        "operations.Round",
        on_delete=models.PROTECT,
        related_name="import_batches",
        null=True,
        blank=True,
        help_text="The round imported into; none for dated data (events, flow monitoring records).",
    )
    form_id = models.CharField(max_length=64)
    form_version = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_flagged = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_replaced = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    repeats_cleared = models.PositiveIntegerField(
        default=0,
        help_text="Stored repeat rows (origins) this import removed because the user said they "
        "were to be cleared (--clear-repeats); why is the batch's reason.",
    )
    ignored_columns = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["round", "imported_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_read=F("rows_accepted") + F("rows_rejected")),
                name="batch_rows_read_balance",
            ),
            models.CheckConstraint(
                condition=Q(rows_accepted=F("rows_new") + F("rows_replaced") + F("rows_unchanged")),
                name="batch_rows_accepted_balance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} -> round {self.round_id} ({self.form_id})"


class ImportFile(models.Model):
    """One file of a batch exactly as received, kept compressed in the database (its bytes are
    in `chunks`), so the raw values of any stored row can be read back from it
    (`ingest.queries.raw_row`) without a copy of every row; the same on SQLite and PostgreSQL.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(
        max_length=64, help_text='"main", or the repeat whose rows it holds (e.g. "origins").'
    )
    name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text="Bytes as received.")
    compression = models.CharField(max_length=8, default="zstd")

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "role"], name="import_file_role_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}) of batch {self.batch_id}"


class ImportFileChunk(models.Model):
    """A piece of a file's compressed bytes, in order (`seq`): a large export is written and read
    back a piece at a time, never whole in memory nor as one huge value."""

    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["file", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["file", "seq"], name="import_file_chunk_seq_uniq"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.seq} of file {self.file_id}"


class ImportIssue(models.Model):
    """One line of a batch's report: a cell or row that broke a rule, and why."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    sheet = models.CharField(max_length=200, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True, help_text="Null: the whole file.")
    submission_id = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=200, blank=True)
    value = models.TextField(blank=True)
    rule = models.CharField(max_length=64)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    message = models.TextField()

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="import_issue_severity_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "rule"]),
            # a row's own lines, read once per row of the submissions table
            models.Index(fields=["batch", "row", "sheet"], name="import_issue_batch_row"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}: {self.rule}"


class CleaningLogEntry(models.Model):
    """One value a later import changed in a stored submission: old, new, who, when, why."""

    # Null for a correction of a dated form's rows (events): they belong to no round.
    round = models.ForeignKey(
        "operations.Round",
        on_delete=models.PROTECT,
        related_name="cleaning_log",
        null=True,
        blank=True,
    )
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="cleaning_log")
    form_id = models.CharField(max_length=64)
    submission_id = models.CharField(max_length=100)
    field = models.CharField(max_length=200)
    old_value = models.TextField(null=True, blank=True)
    new_value = models.TextField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    changed_at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["round", "changed_at", "id"]
        verbose_name_plural = "cleaning log entries"
        indexes = [models.Index(fields=["round", "submission_id"])]

    def __str__(self) -> str:
        return f"{self.submission_id}.{self.field}: {self.old_value} -> {self.new_value}"


class ImportJob(models.Model):
    """An import started in the browser: the uploaded file, where its dry run and import stand
    (moved only by `ingest.jobs.job_transition`), their progress and the worker running it.

    The page names a job by `token` (random, never guessable from another job); the file is
    kept once per content under UPLOAD_ROOT (`stored`), the report under the job's folder.
    `heartbeat_at` is renewed while a worker runs it, so a job whose worker died is found and
    failed (`ingest.jobs.jobs_sweep`).
    """

    token = models.CharField(max_length=32, unique=True)
    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.CASCADE, related_name="import_jobs"
    )
    round = models.ForeignKey("operations.Round", on_delete=models.CASCADE, related_name="+")
    form_id = models.CharField(max_length=64)
    file_name = models.CharField(max_length=500, help_text="The file's name as uploaded.")
    stored = models.CharField(max_length=1000, help_text="Where the upload is kept.")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    clear_repeats = models.BooleanField(default=False)
    confirmed = models.BooleanField(
        default=False, help_text="The dry run was confirmed: the next run is the import."
    )
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    message = models.TextField(blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_stored = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    batch = models.ForeignKey(
        "ingest.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True, help_text="The queued task's id.")
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid running it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    files_removed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the cleanup removed the upload's files."
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.form_id}) -> round {self.round_id}: {self.state}"

    @property
    def round_number(self) -> int:
        return int(self.round.number)

    @property
    def running(self) -> bool:
        """Still moving without the user: the page keeps polling."""
        return self.state in {JobState.QUEUED, JobState.VALIDATING, JobState.IMPORTING}


class ImportJobTransition(models.Model):
    """One move of an import job's state: who (None: the worker), when, why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=JobState.choices)
    to_state = models.CharField(max_length=16, choices=JobState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "at", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_state} -> {self.to_state}"

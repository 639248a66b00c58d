"""`loket scheduler`: the daily and frequent jobs, run on exactly one instance at a time.

The jobs are a table (``jobs.JOBS``: name, interval, callable, and when each is due). Every instance
may run ``loket scheduler``; one leads, the others wait for its lock (``locks``):

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated connection
  held while leading; a leader that dies closes its connection and the lock is gone at once.
- SQLite with ``LOKET_REDIS_URL``: a Redis key (``SET NX PX``) renewed by the leader every third
  of ``LOKET_SCHEDULER_LOCK_TTL_S``; a dead leader's key expires after that time.
- SQLite without Redis (development): an ``flock`` on ``scheduler.lock`` in the instance folder.

When each job last ran is kept in the database (``scheduler_job``), written in the same commit as
the job's own changes, so a restarted or different instance knows what is due (``runner``). A
failing job is rolled back, logged and recorded, retried after ``LOKET_SCHEDULER_RETRY_S``, and
never stops the other jobs. The jobs are idempotent, so a job cut short by a dying leader runs again.
"""

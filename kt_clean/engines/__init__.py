"""Engines: kt-clean on other schedulers than its own process pool.

``kt-clean batch --engine dask`` cleans pages on a Dask cluster (a ``LocalCluster`` it starts,
or an existing one at ``--scheduler``), reading pages and writing shards through fsspec
(local folders, ``s3://``, ``gs://``, ...). The parts, engine-neutral first:

- :mod:`.record`: :func:`clean_record`, one page in, its article JSON as a ``dict`` out: the
  pure function other engines (datatrove, Spark, Ray) call per record.
- :mod:`.pages`: one page's work as batch does it (read, clean, render), and the
  configuration that travels to the workers (layouts as their rule-file texts).
- :mod:`.child`: the process that does that work for a worker, in its own main thread, so
  that the per-page time limit (``SIGALRM``) holds and a page that crashes or hangs costs a
  child process, never the worker.
- :mod:`.storage`: sources and destinations through fsspec; listing pages the way the local
  folder walker does.
- :mod:`.shards`: the task unit (a block of pages, one shard), the shard formats, running
  one task, the per-task record that makes a run resumable, and the manifest.
- :mod:`.dask`: the client side: the cluster, submitting tasks, progress, retries.

Nothing here is imported by ``kt-clean batch`` without ``--engine dask`` (or ``--scheduler``),
and Dask, fsspec and pyarrow are imported only inside the functions that need them.
"""

from .record import clean_record

__all__ = ["clean_record"]

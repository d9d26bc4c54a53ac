"""The store and what runs on it: snapshots and the writer, the confined query workers, the queue and
pool that share them, the search index and the exports."""

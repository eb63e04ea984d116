//! Realtime Paged Data Exchange (RPDE) 1.0 pages, ordered by (modified, id).

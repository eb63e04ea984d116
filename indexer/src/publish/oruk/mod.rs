//! Open Referral UK 3.0 (the UK profile of HSDS 3.0): documents, list queries and paging.

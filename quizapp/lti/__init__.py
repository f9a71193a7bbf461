"""LTI 1.3 Advantage: launch from an LMS, deep linking, grade passback and roster sync
(docs/lti.md), built on pylti1p3."""

//! Tables of real numbers and property tests for the whole parser.

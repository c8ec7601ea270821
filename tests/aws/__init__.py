"""Tests of lenticular.aws: signatures and accounts."""

"""Thin HTTP routers: parse, call one domain function, return a response model."""

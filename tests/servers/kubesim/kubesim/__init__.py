"""Lifeboat's Kubernetes cluster simulator: a single-node kube-apiserver look-alike that real
clients (kubectl 1.20, client-go, python-kubernetes) accept. Python standard library only."""
__version__ = "0.1.0"

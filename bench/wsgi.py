"""What gunicorn serves during `make bench`: `gunicorn bench.wsgi:app`."""
from bench.app import create_bench_app

app = create_bench_app()

"""AWS Lambda (botocore name "lambda", a Python keyword, hence "awslambda").

    runtime/     execution environments: one OS process each, warm pool, Runtime API,
                 the built-in Python runtime, limits and faults, log capture
    errors.py    Lambda's modelled errors, one line each
"""

"""Amazon API Gateway (REST APIs): management over the wire and the execute-api data plane."""

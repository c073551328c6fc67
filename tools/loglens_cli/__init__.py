"""``loglens``: the command line of LogLens, for people and CI jobs. It talks gRPC to the gateway.

    loglens login                                   # saves the server and a session in the config file
    loglens upload app.log --service orders --wait  # uploads, follows the analysis, prints the summary
    loglens report logFiles/abc --format html -o report.html

Standard output carries results (names, tables, reports); progress and messages go to standard error, so
``NAME=$(loglens upload app.log)`` works. Exit codes are in :mod:`loglens_cli.errors`.
"""

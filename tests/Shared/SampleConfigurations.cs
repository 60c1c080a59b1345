namespace Bulwark.Tests.Shared;

/// <summary>Configuration files shared by the test projects.</summary>
internal static class SampleConfigurations
{
    /// <summary>
    /// A baseline with zero errors that uses every check type; a rule test changes exactly one thing in
    /// it, so the error it expects is the only one.
    /// </summary>
    public const string Valid = """
        availabilityTarget: 0.999
        maxRecoveryTimeSeconds: 60
        checkIntervalSeconds: 5
        dataDirectory: .bulwark
        components:
          - name: gateway
            criticality: critical
            failureThreshold: 3
            successThreshold: 2
            checks:
              - type: http
                url: http://127.0.0.1:8080/health
                expectedStatus: 200-299
                timeoutSeconds: 2
              - type: tcp
                host: 127.0.0.1
                port: 5432
                intervalSeconds: 10
          - name: strategy
            checks:
              - type: process
                processName: strategy
              - type: heartbeat
                staleAfterSeconds: 15
              - type: command
                command: /bin/true
              - type: healthCheck
                registration: database

        """;
}

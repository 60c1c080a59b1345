using System.Text.Json;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;

namespace Bulwark.Recovery;

/// <summary>
/// Appends recovery events. A store that cannot be written never stops a recovery: the failure is logged and the
/// recovery goes on (a restart matters more than its record). Appends ignore the run's cancellation, so a cancelled
/// run still records how it ended.
/// </summary>
internal sealed class RecoveryRecorder(IEventStore store, TimeProvider time, ILogger logger)
{
    /// <summary>Raised after each append (sequence 0 when it could not be written).</summary>
    public event Action<SafetyEvent>? Recorded;

    public TimeProvider Time => time;

    public async Task<long> RecordAsync(string kind, string subject, string cause, RecoveryEvidence evidence, string? actor = null)
    {
        var safetyEvent = new SafetyEvent
        {
            Time = time.GetUtcNow(),
            Kind = kind,
            Subject = subject,
            Cause = cause,
            Actor = actor,
            Evidence = JsonSerializer.Serialize(evidence, BulwarkJson.Options),
        };
        long sequence = 0;
        try
        {
            sequence = await store.AppendAsync(safetyEvent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecoveryLog.RecordFailed(logger, ex, kind, subject);
        }

        if (Recorded is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Action<SafetyEvent>>())
            {
                try
                {
                    handler(safetyEvent with { Sequence = sequence });
                }
                catch (Exception ex)
                {
                    RecoveryLog.HandlerFailed(logger, ex);
                }
            }
        }

        return sequence;
    }
}

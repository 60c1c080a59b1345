using System.Globalization;
using System.Text.Json;
using Bulwark.Storage;

namespace Bulwark.Recovery;

/// <summary>Rebuilds runs of plans from the event log, for <c>bulwark recover history</c>, progress and the next start.</summary>
internal static class RecoveryHistory
{
    /// <summary>Every run in the log (at most the latest <paramref name="limit"/> recovery events read), oldest first.</summary>
    public static async Task<IReadOnlyList<RecoveryExecution>> ReadAsync(IEventStore store, int limit = 100_000, CancellationToken cancellationToken = default)
    {
        var events = await store.ReadAsync(new EventQuery { KindPrefix = "recovery.", Limit = limit }, cancellationToken).ConfigureAwait(false);
        return Build(events);
    }

    public static IReadOnlyList<RecoveryExecution> Build(IEnumerable<SafetyEvent> events)
    {
        var runs = new Dictionary<string, RecoveryExecution>(StringComparer.Ordinal);
        var order = new List<RecoveryExecution>();
        foreach (var e in events)
        {
            var evidence = Parse(e.Evidence);
            if (e.Kind == RecoveryEventKinds.Started && evidence?.Plan is { } plan)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"REC-{e.Sequence}");
                var run = new RecoveryExecution
                {
                    Id = id,
                    Plan = plan,
                    Subject = e.Subject,
                    Trigger = evidence.Trigger ?? e.Cause ?? "",
                    TriggerKind = evidence.TriggerKind,
                    By = evidence.By,
                    Reason = evidence.Reason,
                    Request = evidence.Request,
                    StartedAt = e.Time,
                    MaxRecoveryTimeSeconds = evidence.MaxRecoveryTimeSeconds,
                };
                runs[id] = run;
                order.Add(run);
                continue;
            }

            if (evidence?.Execution is not { } execution || !runs.TryGetValue(execution, out var current))
            {
                continue;
            }

            switch (e.Kind)
            {
                case RecoveryEventKinds.StepStarted:
                    current.Steps.Add(new RecoveryStepRecord { Name = evidence.Step ?? "?", Description = evidence.Description });
                    break;
                case RecoveryEventKinds.StepFinished:
                    var step = current.Steps.LastOrDefault(s => s.Name == evidence.Step && s.Outcome == "running");
                    if (step is null)
                    {
                        step = new RecoveryStepRecord { Name = evidence.Step ?? "?" };
                        current.Steps.Add(step);
                    }

                    step.Outcome = evidence.Outcome ?? "?";
                    step.Attempts = evidence.Attempts;
                    step.DurationSeconds = evidence.DurationSeconds;
                    step.Output = evidence.Output;
                    step.Error = evidence.Error;
                    break;
                case RecoveryEventKinds.Validated:
                    current.Validation = e.Cause;
                    break;
                case RecoveryEventKinds.RollbackFinished:
                    current.Rollback = e.Cause;
                    break;
                case RecoveryEventKinds.Coalesced:
                    current.Coalesced++;
                    break;
                case var kind when RecoveryEventKinds.IsFinal(kind) && !current.IsFinished:
                    current.FinishedAt = e.Time;
                    current.Outcome = evidence.Outcome ?? (kind == RecoveryEventKinds.Interrupted ? RecoveryOutcome.Interrupted : "?");
                    current.DurationSeconds = evidence.DurationSeconds ?? (e.Time - current.StartedAt).TotalSeconds;
                    current.SlaMet = evidence.SlaMet;
                    current.Cause = e.Cause;
                    break;
            }
        }

        return order;
    }

    internal static RecoveryEvidence? Parse(string? evidence)
    {
        if (string.IsNullOrEmpty(evidence))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RecoveryEvidence>(evidence, BulwarkJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

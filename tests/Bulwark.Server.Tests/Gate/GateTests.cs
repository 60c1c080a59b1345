using System.Net;
using Bulwark.Server.Auth;
using Bulwark.Server.Tests.Writes;
using Bulwark.Trading;

namespace Bulwark.Server.Tests.Gate;

/// <summary>The risk gate over HTTP: decisions from RiskGate.Check, executions moving the position, marks for collars.</summary>
public sealed class GateTests(WriteServerFixture fixture) : IClassFixture<WriteServerFixture>
{
    private ServerHarness Harness => fixture.Harness;

    private static string Order(long id, long quantity = 10, double price = 10, string side = "buy", string extra = "") =>
        $$"""{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"{{side}}","quantity":{{quantity}},"price":{{price.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"clientOrderId":{{id}}{{extra}}}""";

    [Fact]
    public async Task AnOrderWithinLimits_IsAccepted_AFillMovesThePosition_AndACancelReleasesTheRest()
    {
        var gate = Harness.System.Trading!.Gate;
        var position = gate.GetPosition(gate.GetAccountId("ACC1"), gate.GetSymbolId("XYZ")).Position;
        var decision = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check", Order(100001, quantity: 30), ApiRole.Engine));
        Assert.True(decision.GetProperty("accepted").GetBoolean(), decision.ToString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, decision.GetProperty("reason").ValueKind);
        Assert.Contains(100001L, gate.GetWorkingOrders());

        var ack = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"ack","clientOrderId":100001}""", ApiRole.Engine));
        Assert.True(ack.GetProperty("applied").GetBoolean());
        var fill = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"fill","clientOrderId":100001,"executionId":7001,"quantity":20,"price":10}""", ApiRole.Engine));
        Assert.True(fill.GetProperty("applied").GetBoolean());
        Assert.Equal(position + 20, gate.GetPosition(gate.GetAccountId("ACC1"), gate.GetSymbolId("XYZ")).Position);

        // The same execution again changes nothing.
        var again = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"fill","clientOrderId":100001,"executionId":7001,"quantity":20,"price":10}""", ApiRole.Engine));
        Assert.False(again.GetProperty("applied").GetBoolean());
        Assert.Equal(position + 20, gate.GetPosition(gate.GetAccountId("ACC1"), gate.GetSymbolId("XYZ")).Position);

        var cancel = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"cancel","clientOrderId":100001}""", ApiRole.Engine));
        Assert.True(cancel.GetProperty("applied").GetBoolean());
        Assert.DoesNotContain(100001L, gate.GetWorkingOrders());
    }

    [Fact]
    public async Task AnOrderAboveTheLimit_IsRejected_WithReasonLimitAndValue()
    {
        var decision = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check", Order(100002, quantity: 1001), ApiRole.Engine));

        Assert.False(decision.GetProperty("accepted").GetBoolean());
        Assert.Equal(nameof(RiskRejectReason.MaximumOrderQuantity), decision.GetProperty("reason").GetString());
        Assert.Equal(1000, decision.GetProperty("limit").GetDouble());
        Assert.Equal(1001, decision.GetProperty("value").GetDouble());
        Assert.Equal(0, decision.GetProperty("fencingToken").GetInt64());
    }

    [Fact]
    public async Task AnUnknownAccount_IsTheGatesRejection_FailClosed()
    {
        var decision = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check",
            """{"account":"NOPE","strategy":"momo","symbol":"XYZ","side":"sell","quantity":1,"price":10,"clientOrderId":100003}""", ApiRole.Engine));

        Assert.False(decision.GetProperty("accepted").GetBoolean());
        Assert.Equal(nameof(RiskRejectReason.UnknownAccount), decision.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AKillSwitchEngagedOverHttp_RejectsOrdersOverHttp_UntilReleased()
    {
        await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/kill-switch", """{"scope":"account:ACC1","engage":true,"reason":"gate test"}""", ApiRole.Operator));
        var killed = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check", Order(100004), ApiRole.Engine));
        Assert.Equal(nameof(RiskRejectReason.KillSwitchEngaged), killed.GetProperty("reason").GetString());

        await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/kill-switch", """{"scope":"account:ACC1","engage":false,"reason":"gate test over"}""", ApiRole.Operator));
        await Eventually.WaitUntilAsync(() => Harness.System.Trading!.Gate.GetTradingState(TradingScope.Firm) == TradingState.Active, TimeSpan.FromSeconds(30), "trading active again");
        var passed = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check", Order(100005), ApiRole.Engine));
        Assert.True(passed.GetProperty("accepted").GetBoolean(), passed.ToString());
        await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"reject","clientOrderId":100005}""", ApiRole.Engine));
    }

    [Fact]
    public async Task AMark_ReachesTheGate()
    {
        var answer = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/marks", """{"symbol":"XYZ","price":10.25}""", ApiRole.Engine));
        Assert.Equal(10.25, answer.GetProperty("price").GetDouble());

        // A market order is valued at the mark: with one it can be checked (without, ReferencePriceMissing).
        var decision = await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/orders/check",
            """{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1,"type":"market","clientOrderId":100006}""", ApiRole.Engine));
        Assert.True(decision.GetProperty("accepted").GetBoolean(), decision.ToString());
        await WriteServer.JsonAsync(await Harness.SendAsync("/api/v1/executions", """{"type":"cancel","clientOrderId":100006}""", ApiRole.Engine));
    }
}

/// <summary>Without a trading section the gate's endpoints say so (503), never accept.</summary>
public sealed class GateNotConfiguredTests : IAsyncLifetime
{
    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await WriteServer.StartAsync(trading: false);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData("/api/v1/orders/check", """{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1,"price":10,"clientOrderId":1}""")]
    [InlineData("/api/v1/executions", """{"type":"ack","clientOrderId":1}""")]
    [InlineData("/api/v1/marks", """{"symbol":"XYZ","price":1}""")]
    [InlineData("/api/v1/kill-switch", """{"scope":"firm","engage":true,"reason":"x"}""")]
    public async Task WithoutTrading_Is503(string path, string body)
    {
        var problem = await Problem.ReadAsync(await _harness.SendAsync(path, body, ApiRole.Admin), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("trading", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

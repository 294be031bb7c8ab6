namespace Ferry.Broker.Filters;

internal enum ArithmeticOperator : byte
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

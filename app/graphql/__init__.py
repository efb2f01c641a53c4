"""The GraphQL surface: types, inputs, resolvers and the HTTP view that serves them."""

import { DomainError } from "../shared/errors";

export class ProductNotFound extends DomainError {
  readonly code = "PRODUCT_NOT_FOUND";
  constructor(readonly productId: string) {
    super(`Product ${productId} does not exist`);
    this.name = "ProductNotFound";
  }
}

export class ProductAlreadyExists extends DomainError {
  readonly code = "PRODUCT_ALREADY_EXISTS";
  constructor(readonly productId: string) {
    super(`Product ${productId} already exists`);
    this.name = "ProductAlreadyExists";
  }
}

/** A discontinued product is history: it takes no restock, price change or second discontinuation. */
export class ProductDiscontinuedError extends DomainError {
  readonly code = "PRODUCT_DISCONTINUED";
  constructor(readonly productId: string) {
    super(`Product ${productId} is discontinued`);
    this.name = "ProductDiscontinued";
  }
}

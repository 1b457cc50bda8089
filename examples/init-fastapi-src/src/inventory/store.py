STOCK = {"apple": 3, "pear": 5}
